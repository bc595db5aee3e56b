#include "operator/external_secret_spec.h"

#include <cctype>
#include <functional>

#include "lib/base/base64.h"
#include "lib/base/time_format.h"
#include "operator/spec_fields.h"
#include "operator/store_auth_spec.h"
#include "operator/target_consent.h"
#include "operator/template_engine.h"
#include "operator/template_from.h"
#include "sealsync/api.h"

namespace sealsync::op {
namespace {

using kube::Json;

using fields::Bad;
using fields::Str;
using fields::StrMap;

bool Bool(const Json& j, const char* key, bool def) {
  return j.is_object() && j.contains(key) && j[key].is_boolean()
             ? j[key].get<bool>()
             : def;
}

}  // namespace

namespace {

// A namespaced SecretStore reads only its own namespace (kPermissionDenied
// otherwise; an empty namespace means its own). A ClusterSecretStore's ref
// must name one: the caller checks that first.
Result<void> RefNamespace(const StoreSpec& s, SecretKeyRef& r,
                          const std::string& field, const std::string& what) {
  if (s.kind == "SecretStore") {
    if (!r.ns.empty() && r.ns != s.ns) {
      return MakeError(ErrorCode::kPermissionDenied,
                       field + ": a SecretStore may only read " + what +
                           " own namespace " + s.ns + " (not " + r.ns + ")");
    }
    r.ns = s.ns;
  }
  return {};
}

// caBundle (inline PEM, base64) and caProvider (a Secret or ConfigMap key).
Result<void> ParseCa(StoreSpec& s, const Json& inf, const std::string& id) {
  const std::string ca_field = id + ": spec.provider.infisical";
  if (inf.contains("caBundle") && inf["caBundle"].is_string()) {
    auto pem = Base64Decode(inf["caBundle"].get<std::string>());
    if (!pem || AsString(*pem).find("-----BEGIN CERTIFICATE-----") ==
                    std::string_view::npos)
      return std::unexpected(
          Bad(ca_field + ".caBundle",
              "want base64 of PEM certificates (as ESO's caBundle)")
              .error());
    s.ca_pem.assign(pem->begin(), pem->end());
  }
  if (!inf.contains("caProvider") || !inf["caProvider"].is_object()) return {};
  const Json& cp = inf["caProvider"];
  std::string type = Str(cp, "type");
  if (type != "Secret" && type != "ConfigMap")
    return std::unexpected(
        Bad(ca_field + ".caProvider.type", "want Secret or ConfigMap").error());
  SecretKeyRef ref{Str(cp, "namespace"), Str(cp, "name"), Str(cp, "key")};
  if (ref.name.empty() || ref.key.empty())
    return std::unexpected(
        Bad(ca_field + ".caProvider", "needs name and key").error());
  if (s.kind != "SecretStore" && ref.ns.empty()) {
    return std::unexpected(
        Bad(ca_field + ".caProvider",
            "a ClusterSecretStore's caProvider must name a namespace")
            .error());
  }
  if (auto ok = RefNamespace(s, ref, ca_field + ".caProvider", "its"); !ok)
    return ok;
  s.ca_ref = ref;
  s.ca_in_config_map = type == "ConfigMap";
  return {};
}

}  // namespace

Result<StoreSpec> ParseStore(const Json& obj) {
  StoreSpec s;
  s.kind = Str(obj, "kind");
  s.ns = Str(obj["metadata"], "namespace");
  s.name = Str(obj["metadata"], "name");
  std::string id = s.kind + " " + (s.ns.empty() ? "" : s.ns + "/") + s.name;
  const Json& spec = obj.value("spec", Json::object());
  const Json inf =
      spec.value("provider", Json::object()).value("infisical", Json());
  if (!inf.is_object()) return Bad(id + ": spec.provider.infisical", "missing");
  s.host_api = Str(inf, "hostAPI", std::string(vault::kInfisicalCloud));
  while (s.host_api.ends_with('/')) s.host_api.pop_back();
  if (auto a = ParseStoreAuth(inf.value("auth", Json()), id, s); !a)
    return std::unexpected(a.error());
  if (auto c = ParseCa(s, inf, id); !c) return std::unexpected(c.error());
  const Json& sc = inf.value("secretsScope", Json::object());
  s.scope.project_slug = Str(sc, "projectSlug");
  s.scope.environment = Str(sc, "environmentSlug");
  s.scope.path = Str(sc, "secretsPath", "/");
  s.scope.recursive = Bool(sc, "recursive", false);
  s.scope.expand_references = Bool(sc, "expandSecretReferences", true);
  if (s.scope.project_slug.empty())
    return Bad(id + ": spec.provider.infisical.secretsScope.projectSlug",
               "missing");
  if (s.scope.environment.empty())
    return Bad(id + ": spec.provider.infisical.secretsScope.environmentSlug",
               "missing");
  if (spec.contains("refreshInterval") &&
      spec["refreshInterval"].is_number_integer()) {
    s.refresh = std::chrono::seconds(
        std::max<int64_t>(10, spec["refreshInterval"].get<int64_t>()));
  }
  return s;
}

namespace {

// spec.target.creationPolicy / deletionPolicy: one of their values.
template <typename Policy>
Result<Policy> ParsePolicy(
    const std::string& value, const std::string& field,
    std::initializer_list<std::pair<std::string_view, Policy>> allowed) {
  std::string list;
  for (const auto& [name, policy] : allowed) {
    if (value == name) return policy;
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return std::unexpected(Bad(field, "must be one of " + list).error());
}

// spec.target: the template's type is allowed, its keys valid and its
// metadata free of operator-only keys (DESIGN.md "Tenants and trust").
Result<void> CheckTarget(const ExternalSecretSpec& e, const std::string& id) {
  std::string f = id + "spec.target.";
  if (auto t = api::ValidateSecretType(e.template_type, f + "template.type");
      !t) {
    return t;
  }
  for (const auto& [field, map] :
       {std::pair{"labels", &e.template_labels},
        std::pair{"annotations", &e.template_annotations}}) {
    for (const auto& [k, _] : *map) {
      if (ReservedMetadataKey(k)) {
        return Bad(f + "template.metadata." + field + "." + k,
                   "reserved for the operator");
      }
    }
  }
  for (const auto& [k, _] : e.template_data) {
    if (auto v = api::ValidateSecretKey(k, f + "template.data"); !v) return v;
  }
  return {};
}

// spec.target: name, policies, immutable, template.
Result<void> ParseTarget(ExternalSecretSpec& e, const Json& target,
                         const std::string& id) {
  e.target_name = Str(target, "name", e.name);
  auto creation = ParsePolicy<CreationPolicy>(
      Str(target, "creationPolicy", "Owner"), id + "spec.target.creationPolicy",
      {{"Owner", CreationPolicy::kOwner},
       {"Orphan", CreationPolicy::kOrphan},
       {"Merge", CreationPolicy::kMerge},
       {"None", CreationPolicy::kNone}});
  if (!creation) return std::unexpected(creation.error());
  e.creation_policy = *creation;
  auto deletion =
      ParsePolicy<DeletionPolicy>(Str(target, "deletionPolicy", "Retain"),
                                  id + "spec.target.deletionPolicy",
                                  {{"Retain", DeletionPolicy::kRetain},
                                   {"Delete", DeletionPolicy::kDelete},
                                   {"Merge", DeletionPolicy::kMerge}});
  if (!deletion) return std::unexpected(deletion.error());
  e.deletion_policy = *deletion;
  if (target.contains("immutable") && target["immutable"].is_boolean()) {
    e.immutable = target["immutable"].get<bool>();
  }
  const Json& tmpl = target.value("template", Json::object());
  e.template_type = Str(tmpl, "type");
  e.template_labels =
      StrMap(tmpl.value("metadata", Json::object()).value("labels", Json()));
  e.template_annotations = StrMap(
      tmpl.value("metadata", Json::object()).value("annotations", Json()));
  e.template_data = StrMap(tmpl.value("data", Json()));
  if (tmpl.contains("templateFrom")) {
    auto from = ParseTemplateFrom(tmpl["templateFrom"], e.ns,
                                  id + "spec.target.template.templateFrom");
    if (!from) return std::unexpected(from.error());
    e.template_from = std::move(*from);
  }
  return CheckTarget(e, id);
}

// spec.refreshPolicy; not Periodic: no timed refresh.
Result<void> ParseRefreshPolicy(ExternalSecretSpec& e, const Json& spec,
                                const std::string& id) {
  std::string policy = Str(spec, "refreshPolicy", "Periodic");
  if (policy == "OnChange") {
    e.refresh_policy = RefreshPolicy::kOnChange;
  } else if (policy == "CreatedOnce") {
    e.refresh_policy = RefreshPolicy::kCreatedOnce;
  } else if (policy != "Periodic") {
    return std::unexpected(Bad(id + "spec.refreshPolicy",
                               "must be one of Periodic, OnChange, CreatedOnce")
                               .error());
  }
  if (e.refresh_policy != RefreshPolicy::kPeriodic)
    e.refresh = std::chrono::milliseconds(0);
  return {};
}

// spec.data[]: secretKey <- remoteRef {key, property, decodingStrategy}.
Result<void> ParseData(ExternalSecretSpec& e, const Json& data,
                       const std::string& id) {
  for (size_t i = 0; i < data.size(); ++i) {
    std::string f = id + "spec.data[" + std::to_string(i) + "]";
    DataRef r{Str(data[i], "secretKey"),
              Str(data[i].value("remoteRef", Json::object()), "key"),
              Str(data[i].value("remoteRef", Json::object()), "property")};
    if (r.secret_key.empty())
      return std::unexpected(Bad(f + ".secretKey", "missing").error());
    if (auto k = api::ValidateSecretKey(r.secret_key, f + ".secretKey"); !k)
      return std::unexpected(k.error());
    if (r.key.empty())
      return std::unexpected(Bad(f + ".remoteRef.key", "missing").error());
    auto dec = ParseDecoding(data[i].value("remoteRef", Json::object()),
                             f + ".remoteRef");
    if (!dec) return std::unexpected(dec.error());
    r.decoding = *dec;
    e.data.push_back(r);
  }
  return {};
}

// dataFrom[i].find: the name pattern, compiled once with RE2 (linear time,
// bounded memory).
Result<void> ParseFind(DataFrom& df, const Json& find, const std::string& f) {
  df.kind = DataFrom::Kind::kFind;
  df.path = Str(find, "path");
  df.name_regexp = Str(find.value("name", Json::object()), "regexp", ".*");
  if (df.name_regexp.size() > kMaxNameRegexpLength)
    return std::unexpected(
        Bad(f + ".find.name.regexp", "longer than " +
                                         std::to_string(kMaxNameRegexpLength) +
                                         " characters")
            .error());
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(1 << 20);  // per pattern; far more than a name needs
  auto re = std::make_shared<const RE2>(df.name_regexp, opts);
  if (!re->ok())
    return std::unexpected(
        Bad(f + ".find.name.regexp",
            "not a valid regular expression (RE2 syntax): " + re->error())
            .error());
  df.name_re = std::move(re);
  return {};
}

// spec.dataFrom[]: extract {key, property} or find {path, name.regexp}.
Result<void> ParseDataFrom(ExternalSecretSpec& e, const Json& from,
                           const std::string& id) {
  for (size_t i = 0; i < from.size(); ++i) {
    std::string f = id + "spec.dataFrom[" + std::to_string(i) + "]";
    DataFrom df;
    if (from[i].contains("extract")) {
      df.kind = DataFrom::Kind::kExtract;
      df.key = Str(from[i]["extract"], "key");
      df.property = Str(from[i]["extract"], "property");
      if (df.key.empty())
        return std::unexpected(Bad(f + ".extract.key", "missing").error());
    } else if (from[i].contains("find")) {
      if (auto r = ParseFind(df, from[i]["find"], f); !r) return r;
    } else {
      return std::unexpected(Bad(f, "needs extract or find").error());
    }
    const bool extract = df.kind == DataFrom::Kind::kExtract;
    auto dec = ParseDecoding(from[i][extract ? "extract" : "find"],
                             f + (extract ? ".extract" : ".find"));
    if (!dec) return std::unexpected(dec.error());
    df.decoding = *dec;
    auto rw = ParseRewrites(from[i].value("rewrite", Json()), f + ".rewrite");
    if (!rw) return std::unexpected(rw.error());
    df.rewrite = std::move(*rw);
    e.data_from.push_back(df);
  }
  return {};
}

}  // namespace

Result<ExternalSecretSpec> ParseExternalSecret(const Json& obj) {
  ExternalSecretSpec e;
  const Json& meta = obj["metadata"];
  e.ns = Str(meta, "namespace");
  e.name = Str(meta, "name");
  std::string id = "ExternalSecret " + e.ns + "/" + e.name + ": ";
  const Json& spec = obj.value("spec", Json::object());
  std::string refresh = Str(spec, "refreshInterval", "1h");
  auto d = ParseDuration(refresh);
  if (!d)
    return Bad(id + "spec.refreshInterval", "not a duration (e.g. 1h, 15m, 0)");
  e.refresh = *d;
  if (auto r = ParseRefreshPolicy(e, spec, id); !r)
    return std::unexpected(r.error());
  const Json& ref = spec.value("secretStoreRef", Json::object());
  e.store_name = Str(ref, "name");
  e.store_kind = Str(ref, "kind", "SecretStore");
  if (e.store_name.empty())
    return Bad(id + "spec.secretStoreRef.name", "missing");
  if (e.store_kind != "SecretStore" && e.store_kind != "ClusterSecretStore") {
    return Bad(id + "spec.secretStoreRef.kind",
               "must be SecretStore or ClusterSecretStore");
  }
  if (auto r = ParseTarget(e, spec.value("target", Json::object()), id); !r)
    return std::unexpected(r.error());
  if (auto r = ParseData(e, spec.value("data", Json::array()), id); !r)
    return std::unexpected(r.error());
  if (auto r = ParseDataFrom(e, spec.value("dataFrom", Json::array()), id); !r)
    return std::unexpected(r.error());
  if (e.data.empty() && e.data_from.empty())
    return Bad(id + "spec", "needs data or dataFrom");
  std::string labels = meta.value("labels", Json::object()).dump();
  std::string annotations = meta.value("annotations", Json::object()).dump();
  e.sync_version =
      std::to_string(meta.value("generation", int64_t{0})) + "-" +
      std::to_string(std::hash<std::string>{}(labels + "\n" + annotations) %
                     1000000007);
  return e;
}

bool RefreshPolicySkips(const ExternalSecretSpec& es,
                        const std::string& synced_version, bool ready,
                        bool target_exists) {
  if (!target_exists || synced_version.empty()) return false;
  switch (es.refresh_policy) {
    case RefreshPolicy::kPeriodic:
      return false;
    case RefreshPolicy::kOnChange:
      return ready && synced_version == es.sync_version;
    case RefreshPolicy::kCreatedOnce:
      return true;
  }
  return false;
}

Result<std::string> RenderTemplate(
    const std::string& field, const std::string& tmpl,
    const std::map<std::string, std::string>& values) {
  return RenderGoTemplate(field, tmpl, values);
}

}  // namespace sealsync::op
