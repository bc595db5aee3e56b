// sealctl migrate eso: External Secrets Operator objects (group
// external-secrets.io, v1 or v1beta1) using the Infisical provider become
// sealsync's: ExternalSecret, SecretStore, ClusterSecretStore,
// ClusterExternalSecret (whose externalSecretSpec is an ExternalSecret's).
// sealsync's fields carry ESO's names, so a supported field is copied as it is;
// a field at ESO's default (what `kubectl get -o yaml` shows for every object)
// is dropped; anything else is refused with its path, never dropped silently
// (docs/migrating.md).
#include <iostream>
#include <set>

#include "lib/api/manifest.h"
#include "sealctl/commands.h"
#include "sealctl/documents.h"
#include "sealctl/io.h"
#include "sealsync/api.h"
#include "sealsync/names.h"

namespace sealsync::sealctl {
namespace {

using Json = api::Json;

// Supported paths ("[]" for array items); a path covers its subtree.
const std::set<std::string> kExternalSecret = {
    "spec.refreshInterval",
    "spec.refreshPolicy",
    "spec.secretStoreRef.name",
    "spec.secretStoreRef.kind",
    "spec.target.name",
    "spec.target.creationPolicy",
    "spec.target.deletionPolicy",
    "spec.target.immutable",
    "spec.target.template.type",
    "spec.target.template.metadata.labels",
    "spec.target.template.metadata.annotations",
    "spec.target.template.data",
    // templateFrom: ConfigMaps (of the ExternalSecret's namespace, as in
    // ESO) and literals; `secret` sources are refused by path.
    "spec.target.template.templateFrom[].target",
    "spec.target.template.templateFrom[].literal",
    "spec.target.template.templateFrom[].configMap.name",
    "spec.target.template.templateFrom[].configMap.items[].key",
    "spec.target.template.templateFrom[].configMap.items[].templateAs",
    "spec.data[].secretKey",
    "spec.data[].remoteRef.key",
    "spec.data[].remoteRef.property",
    "spec.data[].remoteRef.decodingStrategy",
    "spec.dataFrom[].extract.key",
    "spec.dataFrom[].extract.property",
    "spec.dataFrom[].extract.decodingStrategy",
    "spec.dataFrom[].find.path",
    "spec.dataFrom[].find.name.regexp",
    "spec.dataFrom[].find.decodingStrategy",
    "spec.dataFrom[].rewrite",
};
const std::set<std::string> kStore = {
    "spec.refreshInterval",
    "spec.provider.infisical.hostAPI",
    "spec.provider.infisical.caBundle",
    "spec.provider.infisical.caProvider",
    "spec.provider.infisical.auth.universalAuthCredentials.clientId",
    "spec.provider.infisical.auth.universalAuthCredentials.clientSecret",
    "spec.provider.infisical.auth.tokenAuthCredentials.accessToken",
    "spec.provider.infisical.secretsScope.projectSlug",
    "spec.provider.infisical.secretsScope.environmentSlug",
    "spec.provider.infisical.secretsScope.secretsPath",
    "spec.provider.infisical.secretsScope.recursive",
    "spec.provider.infisical.secretsScope.expandSecretReferences",
};
// ESO's defaults: dropped when they hold exactly this value.
const std::map<std::string, Json> kExternalSecretDefaults = {
    {"spec.data[].remoteRef.conversionStrategy", "Default"},
    {"spec.data[].remoteRef.decodingStrategy", "None"},
    {"spec.data[].remoteRef.metadataPolicy", "None"},
    {"spec.dataFrom[].extract.conversionStrategy", "Default"},
    {"spec.dataFrom[].extract.decodingStrategy", "None"},
    {"spec.dataFrom[].extract.metadataPolicy", "None"},
    {"spec.dataFrom[].find.decodingStrategy", "None"},
    {"spec.dataFrom[].find.conversionStrategy", "Default"},
    {"spec.target.template.engineVersion", "v2"},
    {"spec.target.template.mergePolicy", "Replace"},
    {"spec.refreshPolicy", "Periodic"},
};

// "spec.X" of an ExternalSecret is "spec.externalSecretSpec.X" of a
// ClusterExternalSecret.
std::string InCluster(const std::string& es_path) {
  return "spec.externalSecretSpec." + es_path.substr(5);
}

const std::set<std::string> kClusterExternalSecret = [] {
  std::set<std::string> s = {
      "spec.externalSecretName",
      "spec.externalSecretMetadata.labels",
      "spec.externalSecretMetadata.annotations",
      "spec.namespaceSelectors",
      "spec.namespaceSelector",
      "spec.namespaces",
      "spec.refreshTime",
  };
  for (const auto& p : kExternalSecret) s.insert(InCluster(p));
  return s;
}();

// Both kinds' defaults (paths do not overlap).
const std::map<std::string, Json> kDefaults = [] {
  std::map<std::string, Json> d = kExternalSecretDefaults;
  for (const auto& [p, v] : kExternalSecretDefaults) d[InCluster(p)] = v;
  return d;
}();

// A template value sealsync renders the same way: no ESO function that
// sealsync's engine lacks (docs/user-guide.md lists the supported ones; the
// operator names any other at sync time).
bool SimpleTemplate(const std::string& t) {
  for (const char* f : {"pkcs12", "Pkcs12", "jwk", "toYaml", "fromYaml"})
    if (t.find(f) != std::string::npos) return false;
  return true;
}

// Copies the supported parts of `in` (at `path`) into *out; refuses the rest.
Result<void> Copy(const Json& in, const std::string& path,
                  const std::set<std::string>& allowed, Json* out) {
  // ESO's default for a field both have: nothing to carry over.
  if (auto d = kDefaults.find(path); d != kDefaults.end() && in == d->second)
    return {};
  if (allowed.contains(path)) {
    if ((path == "spec.target.template.templateFrom[].literal" ||
         path == InCluster("spec.target.template.templateFrom[].literal")) &&
        (!in.is_string() || !SimpleTemplate(in.get<std::string>())))
      return MakeError(ErrorCode::kInvalidArgument,
                       path +
                           ": ESO template functions pkcs12*, jwk*, "
                           "toYaml and fromYaml are not supported "
                           "by sealsync");
    if (path == "spec.target.template.data" ||
        path == InCluster("spec.target.template.data")) {
      for (const auto& [k, v] : in.items()) {
        if (!v.is_string() || !SimpleTemplate(v.get<std::string>()))
          return MakeError(
              ErrorCode::kInvalidArgument,
              path + "." + api::PrintableKey(k) +
                  ": ESO template functions pkcs12*, jwk*, toYaml and "
                  "fromYaml are not supported by sealsync");
      }
    }
    *out = in;
    return {};
  }
  if (auto d = kDefaults.find(path); d != kDefaults.end()) {
    if (in == d->second) return {};  // ESO's default: nothing to carry over
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": " + in.dump() + " is not supported by sealsync");
  }
  if (in.is_object()) {
    bool inside = false;  // is any supported path below this one?
    for (const auto& a : allowed)
      if (a.starts_with(path + ".")) inside = true;
    for (const auto& [p, v] : kDefaults)
      if (p.starts_with(path + ".")) inside = true;
    if (inside) {
      *out = Json::object();
      for (const auto& [k, v] : in.items()) {
        Json child;
        if (auto ok = Copy(v, path + "." + k, allowed, &child); !ok) return ok;
        if (!child.is_null()) (*out)[k] = std::move(child);
      }
      if (out->empty()) *out = nullptr;
      return {};
    }
  }
  bool items_inside = false;  // is any supported path below the items?
  for (const auto& a : allowed)
    if (a.starts_with(path + "[]")) items_inside = true;
  if (in.is_array() && items_inside) {
    *out = Json::array();
    for (const auto& v : in) {
      Json child;
      if (auto ok = Copy(v, path + "[]", allowed, &child); !ok) return ok;
      out->push_back(child.is_null() ? Json::object() : std::move(child));
    }
    return {};
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   path + ": not supported by sealsync");
}

Result<Json> Convert(const Json& doc) {
  const std::string kind = doc.value("kind", "");
  const std::string api_version = doc.value("apiVersion", "");
  if (api_version != "external-secrets.io/v1" &&
      api_version != "external-secrets.io/v1beta1")
    return MakeError(ErrorCode::kInvalidArgument,
                     "apiVersion: want external-secrets.io/v1 or v1beta1");
  const std::set<std::string>* allowed = nullptr;
  if (kind == "ExternalSecret") allowed = &kExternalSecret;
  if (kind == "SecretStore" || kind == "ClusterSecretStore") allowed = &kStore;
  if (kind == "ClusterExternalSecret") allowed = &kClusterExternalSecret;
  if (allowed == nullptr)
    return MakeError(ErrorCode::kInvalidArgument,
                     "kind " + kind +
                         ": not supported (ExternalSecret, SecretStore, "
                         "ClusterSecretStore, ClusterExternalSecret)");
  const Json& meta = doc.value("metadata", Json::object());
  Json out = {{"apiVersion", "sealsync.dev/v1alpha1"}, {"kind", kind}};
  Json m = {{"name", meta.value("name", "")}};
  for (const char* k : {"namespace", "labels", "annotations"})
    if (meta.contains(k)) m[k] = meta[k];
  // kubectl's bookkeeping annotation describes the ESO object: not carried.
  if (m.contains("annotations"))
    m["annotations"].erase("kubectl.kubernetes.io/last-applied-configuration");
  if (m.contains("annotations") && m["annotations"].empty())
    m.erase("annotations");
  out["metadata"] = m;
  const bool is_store = kind == "SecretStore" || kind == "ClusterSecretStore";
  if (is_store && doc.value("spec", Json::object())
                      .value("provider", Json::object())
                      .value("infisical", Json::object())
                      .value("auth", Json::object())
                      .contains("kubernetesAuthCredentials"))
    return MakeError(
        ErrorCode::kInvalidArgument,
        "spec.provider.infisical.auth.kubernetesAuthCredentials: logs in as "
        "the operator's own ServiceAccount in ESO; write auth.kubernetesAuth "
        "{identityId, serviceAccountRef: {name}} by hand (the identity id "
        "is in the Secret ESO's identityId names) and let this store log in "
        "as that ServiceAccount: kubectl annotate serviceaccount NAME " +
            std::string(names::kVaultLoginAnnotation) + "=" + kind + "/" +
            meta.value("name", "") + " (docs/user-guide.md)");
  Json spec;
  if (auto ok =
          Copy(doc.value("spec", Json::object()), "spec", *allowed, &spec);
      !ok)
    return std::unexpected(ok.error());
  if (is_store && !spec.value("provider", Json::object()).contains("infisical"))
    return MakeError(ErrorCode::kInvalidArgument,
                     "spec.provider: only the Infisical provider is supported");
  const bool cluster = kind == "ClusterExternalSecret";
  const Json& es_spec = !spec.is_object() ? Json::object()
                        : cluster && spec.contains("externalSecretSpec")
                            ? spec["externalSecretSpec"]
                            : spec;
  if (es_spec.is_object() && es_spec.contains("secretStoreRef") &&
      es_spec["secretStoreRef"].is_object() &&
      es_spec["secretStoreRef"].contains("kind") &&
      es_spec["secretStoreRef"]["kind"] != "SecretStore" &&
      es_spec["secretStoreRef"]["kind"] != "ClusterSecretStore")
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(cluster ? "spec.externalSecretSpec" : "spec") +
                         ".secretStoreRef.kind: SecretStore or "
                         "ClusterSecretStore");
  out["spec"] = spec.is_null() ? Json::object() : spec;
  return out;
}

}  // namespace

int MigrateEso(const MigrateEsoOptions& opts, Streams io) {
  if (opts.files.empty())
    return Fail(io.err, "no input: pass -f FILE (repeatable)");
  std::string out;
  int n = 0;
  for (const std::string& path : opts.files) {
    auto text = ReadInput(path, io.in);
    if (!text) return Fail(io.err, text.error());
    const std::string name = path == "-" ? "stdin" : path;
    auto docs = api::ParseManifests(*text, api::Scalars::kTyped);
    if (!docs) return Fail(io.err, docs.error().Wrap(name));
    std::vector<Json> objects = ExpandLists(std::move(*docs));
    for (const Json& doc : objects) {
      const Json& meta = doc.value("metadata", Json::object());
      std::string id =
          doc.value("kind", "?") + " " +
          (meta.contains("namespace") ? meta.value("namespace", "") + "/"
                                      : "") +
          meta.value("name", "");
      auto converted = Convert(doc);
      if (!converted)
        return Fail(io.err, converted.error().Wrap(name + ": " + id));
      out += (n++ > 0 ? "---\n" : "") + api::EmitYaml(*converted);
    }
  }
  if (n == 0) return Fail(io.err, "no objects in the input");
  io.out << out;
  io.err << "migrated " << n << " object" << (n == 1 ? "" : "s")
         << " from External Secrets Operator\n";
  return 0;
}

}  // namespace sealsync::sealctl
