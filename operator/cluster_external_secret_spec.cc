#include "operator/cluster_external_secret_spec.h"

#include <algorithm>
#include <cctype>

#include "lib/base/time_format.h"
#include "operator/external_secret_spec.h"
#include "operator/spec_fields.h"
#include "operator/store_auth_spec.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

using fields::Bad;
using fields::Str;
using fields::StrMap;

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A label value or a key's name part: up to 63 of [A-Za-z0-9-_.], starting
// and ending alphanumeric (the value may be empty).
bool LabelName(std::string_view s, bool may_be_empty) {
  if (s.empty()) return may_be_empty;
  if (s.size() > 63 || !Alnum(s.front()) || !Alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return Alnum(c) || c == '-' || c == '_' || c == '.';
  });
}

bool LabelKey(std::string_view k) {
  size_t slash = k.find('/');
  if (slash == std::string_view::npos) return LabelName(k, false);
  return IsDnsSubdomain(std::string(k.substr(0, slash))) &&
         LabelName(k.substr(slash + 1), false);
}

// Printable for an error message: a hostile key is cut, never echoed whole.
std::string Shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64))
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return "\"" + out + (s.size() > 64 ? "...\"" : "\"");
}

Result<SelectorRequirement> ParseRequirement(const Json& e,
                                             const std::string& field) {
  if (!e.is_object()) return Bad(field, "want an object");
  SelectorRequirement r;
  r.key = Str(e, "key");
  if (!LabelKey(r.key))
    return Bad(field + ".key", Shown(r.key) + " is not a label key");
  std::string op = Str(e, "operator");
  using Op = SelectorRequirement::Op;
  if (op == "In") {
    r.op = Op::kIn;
  } else if (op == "NotIn") {
    r.op = Op::kNotIn;
  } else if (op == "Exists") {
    r.op = Op::kExists;
  } else if (op == "DoesNotExist") {
    r.op = Op::kDoesNotExist;
  } else {
    return Bad(field + ".operator", Shown(op) +
                                        " is not an operator (want In, "
                                        "NotIn, Exists or DoesNotExist)");
  }
  const Json& values = e.value("values", Json::array());
  if (!values.is_array()) return Bad(field + ".values", "want a list");
  if (values.size() > kMaxSelectorValues)
    return Bad(field + ".values",
               "more than " + std::to_string(kMaxSelectorValues) + " values");
  for (size_t i = 0; i < values.size(); ++i) {
    std::string f = field + ".values[" + std::to_string(i) + "]";
    if (!values[i].is_string() ||
        !LabelName(values[i].get<std::string>(), true))
      return Bad(f, "not a label value");
    r.values.push_back(values[i].get<std::string>());
  }
  bool wants_values = r.op == Op::kIn || r.op == Op::kNotIn;
  if (wants_values && r.values.empty())
    return Bad(field + ".values", op + " needs at least one value");
  if (!wants_values && !r.values.empty())
    return Bad(field + ".values", op + " takes no values");
  return r;
}

// spec.namespaceSelectors and the deprecated spec.namespaceSelector.
Result<void> ParseSelectors(ClusterExternalSecretSpec& c, const Json& spec,
                            const std::string& id) {
  const Json& list = spec.value("namespaceSelectors", Json::array());
  if (!list.is_array())
    return std::unexpected(
        Bad(id + "spec.namespaceSelectors", "want a list").error());
  if (list.size() > kMaxNamespaceSelectors)
    return std::unexpected(Bad(id + "spec.namespaceSelectors",
                               "more than " +
                                   std::to_string(kMaxNamespaceSelectors) +
                                   " selectors")
                               .error());
  for (size_t i = 0; i < list.size(); ++i) {
    auto s = ParseLabelSelector(
        list[i], id + "spec.namespaceSelectors[" + std::to_string(i) + "]");
    if (!s) return std::unexpected(s.error());
    c.selectors.push_back(std::move(*s));
  }
  if (spec.contains("namespaceSelector") &&
      !spec["namespaceSelector"].is_null()) {
    auto s = ParseLabelSelector(spec["namespaceSelector"],
                                id + "spec.namespaceSelector");
    if (!s) return std::unexpected(s.error());
    c.selectors.push_back(std::move(*s));
  }
  const Json& names = spec.value("namespaces", Json::array());
  if (!names.is_array() || names.size() > kMaxNamespaceNames)
    return std::unexpected(
        Bad(id + "spec.namespaces", "want a list of at most " +
                                        std::to_string(kMaxNamespaceNames) +
                                        " names")
            .error());
  for (size_t i = 0; i < names.size(); ++i) {
    if (!names[i].is_string() || !LabelName(names[i].get<std::string>(), false))
      return std::unexpected(
          Bad(id + "spec.namespaces[" + std::to_string(i) + "]",
              "not a namespace name")
              .error());
    c.namespaces.insert(names[i].get<std::string>());
  }
  if (c.selectors.empty() && c.namespaces.empty())
    return std::unexpected(
        Bad(id + "spec.namespaceSelectors",
            "select namespaces with namespaceSelectors or namespaces")
            .error());
  return {};
}

// spec.externalSecretSpec through the ExternalSecret parser, its errors
// renamed from "ExternalSecret /NAME: spec.X" to our field.
Result<void> CheckExternalSecretSpec(const ClusterExternalSecretSpec& c,
                                     const std::string& id) {
  Json es = {{"metadata", {{"name", c.external_secret_name}}},
             {"spec", c.external_secret_spec}};
  auto parsed = ParseExternalSecret(es);
  if (parsed) return {};
  std::string m = parsed.error().message();
  std::string prefix = "ExternalSecret /" + c.external_secret_name + ": spec";
  if (m.starts_with(prefix)) m = m.substr(prefix.size());
  return std::unexpected(
      Error(ErrorCode::kInvalidArgument, id + "spec.externalSecretSpec" + m));
}

}  // namespace

Result<LabelSelector> ParseLabelSelector(const Json& j,
                                         const std::string& field) {
  if (!j.is_object()) return Bad(field, "want a label selector object");
  LabelSelector s;
  const Json& labels = j.value("matchLabels", Json::object());
  if (!labels.is_object())
    return Bad(field + ".matchLabels", "want a map of labels");
  if (labels.size() > kMaxSelectorTerms)
    return Bad(field + ".matchLabels",
               "more than " + std::to_string(kMaxSelectorTerms) + " labels");
  for (const auto& [k, v] : labels.items()) {
    if (!LabelKey(k))
      return Bad(field + ".matchLabels", Shown(k) + " is not a label key");
    if (!v.is_string() || !LabelName(v.get<std::string>(), true))
      return Bad(field + ".matchLabels." + k, "not a label value");
    s.match_labels[k] = v.get<std::string>();
  }
  const Json& exprs = j.value("matchExpressions", Json::array());
  if (!exprs.is_array()) return Bad(field + ".matchExpressions", "want a list");
  if (exprs.size() > kMaxSelectorTerms)
    return Bad(
        field + ".matchExpressions",
        "more than " + std::to_string(kMaxSelectorTerms) + " expressions");
  for (size_t i = 0; i < exprs.size(); ++i) {
    auto r = ParseRequirement(
        exprs[i], field + ".matchExpressions[" + std::to_string(i) + "]");
    if (!r) return std::unexpected(r.error());
    s.match_expressions.push_back(std::move(*r));
  }
  return s;
}

bool Matches(const LabelSelector& s,
             const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : s.match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  using Op = SelectorRequirement::Op;
  for (const auto& r : s.match_expressions) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    bool in = has && std::find(r.values.begin(), r.values.end(), it->second) !=
                         r.values.end();
    bool ok = r.op == Op::kIn       ? in
              : r.op == Op::kNotIn  ? !in
              : r.op == Op::kExists ? has
                                    : !has;
    if (!ok) return false;
  }
  return true;
}

Result<ClusterExternalSecretSpec> ParseClusterExternalSecret(const Json& obj) {
  ClusterExternalSecretSpec c;
  const Json& meta = obj.value("metadata", Json::object());
  c.name = Str(meta, "name");
  c.uid = Str(meta, "uid");
  c.generation = meta.contains("generation") && meta["generation"].is_number()
                     ? meta["generation"].get<int64_t>()
                     : 0;
  const std::string id = "ClusterExternalSecret " + c.name + ": ";
  const Json& spec = obj.value("spec", Json::object());
  if (!spec.is_object()) return Bad(id + "spec", "want an object");
  c.external_secret_name = Str(spec, "externalSecretName");
  if (c.external_secret_name.empty()) c.external_secret_name = c.name;
  if (!IsDnsSubdomain(c.external_secret_name))
    return Bad(id + "spec.externalSecretName",
               Shown(c.external_secret_name) + " is not an object name");
  const Json& md = spec.contains("externalSecretMetadata") &&
                           spec["externalSecretMetadata"].is_object()
                       ? spec["externalSecretMetadata"]
                       : Json::object();
  c.labels = StrMap(md.value("labels", Json::object()));
  c.annotations = StrMap(md.value("annotations", Json::object()));
  for (const auto& [k, v] : c.labels) {
    if (!LabelKey(k) || !LabelName(v, true))
      return Bad(id + "spec.externalSecretMetadata.labels",
                 Shown(k) + " is not a valid label");
  }
  std::string refresh = Str(spec, "refreshTime", "1m");
  auto d = ParseDuration(refresh);
  if (!d || *d < std::chrono::seconds(1))
    return Bad(id + "spec.refreshTime", "not a duration of 1s or more");
  c.refresh = *d;
  if (auto s = ParseSelectors(c, spec, id); !s)
    return std::unexpected(s.error());
  if (!spec.contains("externalSecretSpec") ||
      !spec["externalSecretSpec"].is_object())
    return Bad(id + "spec.externalSecretSpec", "missing");
  c.external_secret_spec = spec["externalSecretSpec"];
  if (auto ok = CheckExternalSecretSpec(c, id); !ok)
    return std::unexpected(ok.error());
  return c;
}

bool SelectsNamespace(const ClusterExternalSecretSpec& c, const Json& ns) {
  const Json& meta = ns.value("metadata", Json::object());
  if (c.namespaces.contains(Str(meta, "name"))) return true;
  auto labels = StrMap(meta.value("labels", Json::object()));
  for (const auto& s : c.selectors)
    if (Matches(s, labels)) return true;
  return false;
}

Json RenderChild(const ClusterExternalSecretSpec& c, const std::string& ns) {
  Json labels = Json::object();
  for (const auto& [k, v] : c.labels) labels[k] = v;
  if (LabelName(c.name, false))
    labels[std::string(names::kClusterExternalSecretLabel)] = c.name;
  Json annotations = Json::object();
  for (const auto& [k, v] : c.annotations) annotations[k] = v;
  Json meta = {
      {"name", c.external_secret_name},
      {"namespace", ns},
      {"labels", labels},
      {"ownerReferences", Json::array({{{"apiVersion", "sealsync.dev/v1alpha1"},
                                        {"kind", "ClusterExternalSecret"},
                                        {"name", c.name},
                                        {"uid", c.uid},
                                        {"controller", true},
                                        {"blockOwnerDeletion", true}}})}};
  if (!annotations.empty()) meta["annotations"] = annotations;
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", "ExternalSecret"},
          {"metadata", meta},
          {"spec", c.external_secret_spec}};
}

bool ControlledBy(const Json& obj, const std::string& uid) {
  if (uid.empty()) return false;
  const Json& refs = obj.value("metadata", Json::object())
                         .value("ownerReferences", Json::array());
  if (!refs.is_array()) return false;
  for (const auto& r : refs) {
    if (r.is_object() && r.contains("controller") && r["controller"] == true &&
        Str(r, "uid") == uid)
      return true;
  }
  return false;
}

const std::map<std::string, std::string>& ExternalSecretSpecDefaults() {
  static const std::map<std::string, std::string> kDefaults = {
      {"refreshInterval", "1h"},    {"refreshPolicy", "Periodic"},
      {"kind", "SecretStore"},      {"creationPolicy", "Owner"},
      {"deletionPolicy", "Retain"}, {"decodingStrategy", "None"}};
  return kDefaults;
}

namespace {

// A field absent on one side equals the other side's value when that is
// its default.
bool IsDefault(const std::string& key, const Json& v) {
  const auto& defaults = ExternalSecretSpecDefaults();
  auto it = defaults.find(key);
  return it != defaults.end() && v.is_string() && v == it->second;
}

bool SameUpToDefaults(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      if (b.contains(k) ? !SameUpToDefaults(v, b[k]) : !IsDefault(k, v))
        return false;
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k) && !IsDefault(k, v)) return false;
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!SameUpToDefaults(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

bool HasAll(const Json& observed, const Json& desired) {
  for (const auto& [k, v] : desired.items())
    if (!observed.is_object() || !observed.contains(k) || observed[k] != v)
      return false;
  return true;
}

}  // namespace

bool ChildUpToDate(const Json& observed, const Json& desired) {
  const Json& om = observed.value("metadata", Json::object());
  const Json& dm = desired.value("metadata", Json::object());
  return SameUpToDefaults(observed.value("spec", Json::object()),
                          desired.value("spec", Json::object())) &&
         HasAll(om.value("labels", Json::object()),
                dm.value("labels", Json::object())) &&
         HasAll(om.value("annotations", Json::object()),
                dm.value("annotations", Json::object()));
}

}  // namespace sealsync::op
