// ESO's target.template.templateFrom: templates kept in ConfigMaps (or given
// literally) instead of inline in target.template.data.
//
//   templateFrom:
//   - configMap: {name: tpl, items: [{key: app.yaml, templateAs: Values}]}
//     target: Data            # or Annotations, Labels
//   - literal: "{{ .user }}: {{ .password }}"   # always KeysAndValues
//
// templateAs Values renders the key's template into the key of the same
// name; KeysAndValues renders it and reads the result as a flat map (one
// `key: value` per line, values plain, "double" or 'single' quoted; or one
// JSON object), each entry a key. Entries apply in order, then
// target.template.data (which wins, as in ESO).
//
// Tenants and trust: only ConfigMaps of the ExternalSecret's own namespace
// are read (configMap.namespace naming another is refused,
// kPermissionDenied), so a tenant cannot read another namespace's ConfigMap
// through the operator; `secret` sources are refused by field. ConfigMaps
// are read at each sync (no watch, no cache: the chart grants get only), so
// a changed ConfigMap is used at the next refresh or force-sync. Bounds:
// kMaxTemplateFrom entries, kMaxTemplateFromItems items, each template
// kMaxTemplateBytes, each rendered value kMaxRenderedBytes and all rendered
// data kMaxRenderedTotal. Errors name the ExternalSecret, the field and the
// ConfigMap and key; never a value. Rendered intermediates are wiped.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/external_secret_spec.h"
#include "sealsync/kube.h"

namespace sealsync::op {

inline constexpr size_t kMaxTemplateFrom = 16;
inline constexpr size_t kMaxTemplateFromItems = 64;   // over all entries
inline constexpr size_t kMaxRenderedTotal = 1 << 20;  // a Secret's limit

// Parses spec.target.template.templateFrom (`field` names it, with the
// object). kInvalidArgument naming the field; kPermissionDenied for a
// configMap.namespace other than `ns`.
Result<std::vector<TemplateFrom>> ParseTemplateFrom(const kube::Json& list,
                                                    const std::string& ns,
                                                    const std::string& field);

// One template ready to render.
struct TemplateSource {
  TemplateFrom::Target target = TemplateFrom::Target::kData;
  bool keys_and_values = false;
  std::string key;    // Values: the key it renders into
  std::string field;  // "ExternalSecret ns/n: spec...templateFrom[0]...",
                      // with the ConfigMap and key it came from
  std::string text;
};

// Reads the templates of es.template_from, each ConfigMap once, from
// es.ns only. kFailedPrecondition naming the field and the ConfigMap (does
// not exist, no such key, the operator may not read it), kResourceExhausted
// for a template over kMaxTemplateBytes, kUnavailable when the API server
// fails.
Result<std::vector<TemplateSource>> ReadTemplateFrom(
    kube::Client& client, const ExternalSecretSpec& es);

// What the target Secret gets: data, labels, annotations.
struct RenderedTarget {
  std::map<std::string, std::string> data, labels, annotations;
};

// Renders `sources` in order into `out` (pure). Keys rendered into labels or
// annotations must be valid there and not reserved (sealsync.dev/). Errors
// as RenderGoTemplate (template_engine.h), kInvalidArgument for an output
// that is not a flat map, kResourceExhausted past kMaxRenderedTotal.
Result<void> RenderTemplateFrom(
    const std::vector<TemplateSource>& sources,
    const std::map<std::string, std::string>& values, RenderedTarget& out);

}  // namespace sealsync::op
