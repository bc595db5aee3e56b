#include "operator/template_from.h"

#include <cctype>

#include "operator/flat_map.h"
#include "operator/store_auth_spec.h"
#include "operator/target_consent.h"
#include "operator/template_engine.h"
#include "sealsync/api.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::op {
namespace {

using kube::Json;

auto Bad(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": " + what);
}

std::string Str(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : "";
}

void Wipe(std::string& s) { SecureWipe(s.data(), s.size()); }

// configMap {name, namespace (own only), items[{key, templateAs}]}.
Result<void> ParseConfigMapRef(const Json& cm, const std::string& ns,
                               const std::string& f, size_t& items_left,
                               TemplateFrom& out) {
  out.config_map = Str(cm, "name");
  if (out.config_map.empty()) return Bad(f + ".name", "missing");
  if (!IsDnsSubdomain(out.config_map))
    return Bad(f + ".name", "not a valid ConfigMap name");
  const std::string other = Str(cm, "namespace");
  if (!other.empty() && other != ns)
    return MakeError(ErrorCode::kPermissionDenied,
                     f +
                         ".namespace: an ExternalSecret may only read "
                         "ConfigMaps of its own namespace " +
                         ns + " (not " + other + ")");
  const Json& items = cm.value("items", Json());
  if (!items.is_array() || items.empty())
    return Bad(f + ".items", "want at least one {key, templateAs}");
  for (size_t j = 0; j < items.size(); ++j) {
    const std::string fi = f + ".items[" + std::to_string(j) + "]";
    if (items_left == 0)
      return MakeError(ErrorCode::kResourceExhausted,
                       fi + ": more than " +
                           std::to_string(kMaxTemplateFromItems) +
                           " templateFrom items");
    --items_left;
    TemplateFrom::Item item{Str(items[j], "key")};
    if (item.key.empty()) return Bad(fi + ".key", "missing");
    if (auto k = api::ValidateSecretKey(item.key, fi + ".key"); !k)
      return std::unexpected(k.error());
    const std::string as = Str(items[j], "templateAs");
    if (as == "KeysAndValues") {
      item.keys_and_values = true;
    } else if (!as.empty() && as != "Values") {
      return Bad(fi + ".templateAs", "must be one of Values, KeysAndValues");
    }
    out.items.push_back(std::move(item));
  }
  return {};
}

}  // namespace

Result<std::vector<TemplateFrom>> ParseTemplateFrom(const Json& list,
                                                    const std::string& ns,
                                                    const std::string& field) {
  if (!list.is_array()) return Bad(field, "want a list");
  if (list.size() > kMaxTemplateFrom)
    return MakeError(
        ErrorCode::kResourceExhausted,
        field + ": more than " + std::to_string(kMaxTemplateFrom) + " entries");
  std::vector<TemplateFrom> out;
  size_t items_left = kMaxTemplateFromItems;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    const Json& e = list[i];
    if (!e.is_object()) return Bad(f, "want an object");
    TemplateFrom t;
    const std::string target = Str(e, "target");
    if (target == "Annotations") {
      t.target = TemplateFrom::Target::kAnnotations;
    } else if (target == "Labels") {
      t.target = TemplateFrom::Target::kLabels;
    } else if (!target.empty() && target != "Data") {
      return Bad(f + ".target", "must be one of Data, Annotations, Labels");
    }
    if (e.contains("secret"))
      return Bad(f + ".secret",
                 "templates from a Secret are not supported (use a ConfigMap "
                 "or a literal)");
    const bool has_cm = e.contains("configMap"),
               has_literal = e.contains("literal");
    if (has_cm == has_literal)
      return Bad(f, "needs exactly one of configMap and literal");
    if (has_literal) {
      if (!e["literal"].is_string()) return Bad(f + ".literal", "want text");
      t.literal = e["literal"].get<std::string>();
      if (t.literal->size() > kMaxTemplateBytes)
        return MakeError(ErrorCode::kResourceExhausted,
                         f + ".literal: longer than " +
                             std::to_string(kMaxTemplateBytes) + " bytes");
    } else if (auto r = ParseConfigMapRef(e["configMap"], ns, f + ".configMap",
                                          items_left, t);
               !r) {
      return std::unexpected(r.error());
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<TemplateSource>> ReadTemplateFrom(
    kube::Client& client, const ExternalSecretSpec& es) {
  const std::string field = "ExternalSecret " + es.ns + "/" + es.name +
                            ": spec.target.template.templateFrom";
  std::vector<TemplateSource> out;
  std::map<std::string, Json> read;  // each ConfigMap once per sync
  for (size_t i = 0; i < es.template_from.size(); ++i) {
    const TemplateFrom& t = es.template_from[i];
    const std::string f = field + "[" + std::to_string(i) + "]";
    if (t.literal) {
      out.push_back({t.target, true, "", f + ".literal", *t.literal});
      continue;
    }
    // Always the ExternalSecret's own namespace, whatever the spec said.
    const std::string id = "ConfigMap " + es.ns + "/" + t.config_map;
    auto it = read.find(t.config_map);
    if (it == read.end()) {
      auto o = client.Get(kube::kConfigMaps, {es.ns, t.config_map});
      if (!o) {
        const ErrorCode c = o.error().code();
        if (c == ErrorCode::kNotFound)
          return MakeError(ErrorCode::kFailedPrecondition,
                           f + ".configMap.name: " + id + " does not exist");
        if (c == ErrorCode::kPermissionDenied)
          return MakeError(ErrorCode::kFailedPrecondition,
                           f + ".configMap.name: the operator may not read " +
                               id + " (RBAC: get configmaps)");
        return MakeError(ErrorCode::kUnavailable,
                         f + ": reading " + id + ": " + o.error().message());
      }
      it = read.emplace(t.config_map, std::move(*o)).first;
    }
    const Json& data = it->second.value("data", Json::object());
    for (size_t j = 0; j < t.items.size(); ++j) {
      const TemplateFrom::Item& item = t.items[j];
      const std::string fi = f + ".configMap.items[" + std::to_string(j) + "]";
      if (!data.is_object() || !data.contains(item.key) ||
          !data[item.key].is_string())
        return MakeError(
            ErrorCode::kFailedPrecondition,
            fi + ".key: " + id + " has no key \"" + item.key + "\"");
      const std::string& text = data[item.key].get_ref<const std::string&>();
      if (text.size() > kMaxTemplateBytes)
        return MakeError(ErrorCode::kResourceExhausted,
                         fi + ": the template in " + id + " key \"" + item.key +
                             "\" is longer than " +
                             std::to_string(kMaxTemplateBytes) + " bytes");
      out.push_back({t.target, item.keys_and_values, item.key,
                     fi + " (" + id + " key \"" + item.key + "\")", text});
    }
  }
  return out;
}

namespace {

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)); }

// A label value or the name part of a qualified name: at most 63 of
// [A-Za-z0-9._-], alphanumeric at both ends (a value may also be empty).
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !Alnum(s.front()) || !Alnum(s.back()))
    return false;
  for (char c : s)
    if (!Alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A label or annotation key: [prefix/]name, prefix a DNS-1123 subdomain.
bool IsQualifiedName(std::string_view k) {
  size_t slash = k.find('/');
  if (slash == std::string_view::npos) return IsLabelName(k);
  return IsDnsSubdomain(std::string(k.substr(0, slash))) &&
         IsLabelName(k.substr(slash + 1));
}

// A key rendered into labels or annotations: valid there, not reserved; a
// label's value valid too. The value never appears in the error.
Result<void> CheckMetadata(const std::string& field, TemplateFrom::Target t,
                           const std::string& key, const std::string& value) {
  const char* what =
      t == TemplateFrom::Target::kLabels ? "label" : "annotation";
  const std::string k = api::PrintableKey(key);
  if (!IsQualifiedName(key))
    return Bad(field, std::string("rendered ") + what + " key \"" + k +
                          "\" is not a valid qualified name");
  if (ReservedMetadataKey(key))
    return Bad(field, std::string("rendered ") + what + " key \"" + k +
                          "\" is reserved for the operator");
  if (t == TemplateFrom::Target::kLabels && !value.empty() &&
      !IsLabelName(value))
    return Bad(field, "the value rendered for label \"" + k +
                          "\" is not a valid label value (at most 63 "
                          "characters of [A-Za-z0-9._-], alphanumeric at "
                          "both ends)");
  return {};
}

// Puts key -> value into the target's map, checking metadata keys.
Result<void> Put(const TemplateSource& s, std::string key, std::string value,
                 RenderedTarget& out) {
  if (s.target != TemplateFrom::Target::kData) {
    if (auto ok = CheckMetadata(s.field, s.target, key, value); !ok) {
      Wipe(value);
      return ok;
    }
  }
  auto& dst = s.target == TemplateFrom::Target::kData     ? out.data
              : s.target == TemplateFrom::Target::kLabels ? out.labels
                                                          : out.annotations;
  auto [it, inserted] = dst.try_emplace(std::move(key));
  if (!inserted) Wipe(it->second);
  it->second = std::move(value);
  return {};
}

size_t TotalBytes(const RenderedTarget& r) {
  size_t n = 0;
  for (const auto* m : {&r.data, &r.labels, &r.annotations})
    for (const auto& [k, v] : *m) n += k.size() + v.size();
  return n;
}

}  // namespace

Result<void> RenderTemplateFrom(
    const std::vector<TemplateSource>& sources,
    const std::map<std::string, std::string>& values, RenderedTarget& out) {
  for (const TemplateSource& s : sources) {
    auto r = RenderGoTemplate(s.field, s.text, values);
    if (!r) return std::unexpected(r.error());
    if (!s.keys_and_values) {
      if (auto ok = Put(s, s.key, std::move(*r), out); !ok) return ok;
    } else {
      auto kv = ParseFlatMap(*r, s.field);
      Wipe(*r);
      if (!kv) return std::unexpected(kv.error());
      for (auto& [k, v] : *kv) {
        if (auto ok = Put(s, k, std::move(v), out); !ok) {
          for (auto& [_, rest] : *kv) Wipe(rest);
          return ok;
        }
      }
    }
    if (TotalBytes(out) > kMaxRenderedTotal)
      return MakeError(ErrorCode::kResourceExhausted,
                       s.field + ": the rendered Secret is larger than " +
                           std::to_string(kMaxRenderedTotal) + " bytes");
  }
  return {};
}

}  // namespace sealsync::op
