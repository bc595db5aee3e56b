// Secret and SealedSecret <-> manifest. Field errors name the field path and
// never the value.
#include "lib/api/manifest.h"
#include "lib/base/base64.h"
#include "sealsync/api.h"

namespace sealsync::api {
namespace {

auto FieldError(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": " + what);
}

// The readers below take either JSON flavour: ordered (manifests a user
// wrote, see manifest.h) or plain (objects from the API server's cache).
template <typename J>
Result<std::map<std::string, std::string>> StringMap(const J& parent,
                                                     const char* key,
                                                     const std::string& path) {
  std::map<std::string, std::string> out;
  if (!parent.contains(key) || parent[key].is_null()) return out;
  const J& m = parent[key];
  if (!m.is_object()) return FieldError(path, "must be a map of strings");
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) return FieldError(path + "." + k, "must be a string");
    out[k] = v.template get<std::string>();
  }
  return out;
}

template <typename J>
Result<ObjectMeta> ParseMeta(const J& doc) {
  ObjectMeta meta;
  if (!doc.contains("metadata") || !doc["metadata"].is_object()) {
    return FieldError("metadata", "missing");
  }
  const J& m = doc["metadata"];
  if (m.contains("name") && m["name"].is_string()) meta.name = m["name"];
  if (meta.name.empty()) return FieldError("metadata.name", "missing");
  if (m.contains("namespace") && m["namespace"].is_string()) {
    meta.ns = m["namespace"];
  }
  auto labels = StringMap(m, "labels", "metadata.labels");
  if (!labels) return std::unexpected(labels.error());
  auto annotations = StringMap(m, "annotations", "metadata.annotations");
  if (!annotations) return std::unexpected(annotations.error());
  meta.labels = std::move(*labels);
  meta.annotations = std::move(*annotations);
  return meta;
}

template <typename J>
Result<void> CheckKind(const J& doc, std::string_view api_version,
                       std::string_view kind) {
  auto get = [&](const char* k) {
    return doc.contains(k) && doc[k].is_string()
               ? doc[k].template get<std::string>()
               : std::string();
  };
  if (get("kind") != kind) {
    return FieldError(
        "kind", "want " + std::string(kind) + ", got \"" + get("kind") + "\"");
  }
  if (get("apiVersion") != api_version) {
    return FieldError("apiVersion", "want " + std::string(api_version) +
                                        ", got \"" + get("apiVersion") + "\"");
  }
  return {};
}

Json MetaJson(const ObjectMeta& meta) {
  Json m = Json::object();
  m["name"] = meta.name;
  if (!meta.ns.empty()) m["namespace"] = meta.ns;
  if (!meta.labels.empty()) m["labels"] = meta.labels;
  if (!meta.annotations.empty()) m["annotations"] = meta.annotations;
  return m;
}

std::string Format(const Json& doc, OutputFormat format) {
  return format == OutputFormat::kJson ? EmitJson(doc) : EmitYaml(doc);
}

}  // namespace

Result<Secret> ParseSecret(std::string_view text) {
  auto doc = ParseManifest(text);
  if (!doc) return std::unexpected(doc.error());
  if (auto ok = CheckKind(*doc, "v1", "Secret"); !ok)
    return std::unexpected(ok.error());
  auto meta = ParseMeta(*doc);
  if (!meta) return std::unexpected(meta.error());
  Secret s;
  s.metadata = std::move(*meta);
  if (doc->contains("type")) {
    if (!(*doc)["type"].is_string())
      return FieldError("type", "must be a string");
    s.type = (*doc)["type"];
  }
  if (doc->contains("immutable") && !(*doc)["immutable"].is_null()) {
    if (!(*doc)["immutable"].is_boolean()) {
      return FieldError("immutable", "must be true or false");
    }
    s.immutable = (*doc)["immutable"].get<bool>();
  }
  if (doc->contains("data") && !(*doc)["data"].is_null()) {
    const Json& d = (*doc)["data"];
    if (!d.is_object()) return FieldError("data", "must be a map");
    for (const auto& [k, v] : d.items()) {
      if (!v.is_string())
        return FieldError("data." + k, "must be a base64 string");
      auto bytes = Base64Decode(v.get_ref<const std::string&>());
      if (!bytes) return FieldError("data." + k, "not valid base64");
      s.data[k] = SecureBytes(bytes->begin(), bytes->end());
      SecureWipe(bytes->data(), bytes->size());
    }
  }
  if (doc->contains("stringData") && !(*doc)["stringData"].is_null()) {
    const Json& d = (*doc)["stringData"];
    if (!d.is_object()) return FieldError("stringData", "must be a map");
    for (const auto& [k, v] : d.items()) {
      if (!v.is_string())
        return FieldError("stringData." + k, "must be a string");
      const std::string& str = v.get_ref<const std::string&>();
      s.data[k] = SecureBytes(str.begin(), str.end());
    }
  }
  return s;
}

template <typename J>
Result<SealedSecret> SealedSecretFrom(const J& doc) {
  // Bitnami's own apiVersion reads too (sealctl unseal --bitnami-key,
  // verify): same kind, same fields. The operator only watches sealsync's.
  const bool bitnami =
      doc.contains("apiVersion") && doc["apiVersion"] == "bitnami.com/v1alpha1";
  if (auto ok = CheckKind(
          doc, bitnami ? "bitnami.com/v1alpha1" : kSealedSecretApiVersion,
          kSealedSecretKind);
      !ok) {
    return std::unexpected(ok.error());
  }
  auto meta = ParseMeta(doc);
  if (!meta) return std::unexpected(meta.error());
  SealedSecret s;
  s.metadata = std::move(*meta);
  if (!doc.contains("spec") || !doc["spec"].is_object()) {
    return FieldError("spec", "missing");
  }
  const J& spec = doc["spec"];
  if (spec.contains("scope")) {
    if (!spec["scope"].is_string())
      return FieldError("spec.scope", "must be a string");
    s.scope = spec["scope"];
  }
  // A Bitnami SealedSecret (only its apiVersion changed) carries its scope in
  // annotations, as kubeseal wrote them: they decide, as in Bitnami.
  const auto& ann = s.metadata.annotations;
  auto is_true = [&](const char* key) {
    auto it = ann.find(key);
    return it != ann.end() && it->second == "true";
  };
  if (is_true("sealedsecrets.bitnami.com/cluster-wide")) {
    s.scope = "Cluster";
  } else if (is_true("sealedsecrets.bitnami.com/namespace-wide")) {
    s.scope = "Namespace";
  }
  auto enc = StringMap(spec, "encryptedData", "spec.encryptedData");
  if (!enc) return std::unexpected(enc.error());
  s.encrypted_data = std::move(*enc);
  // Bitnami fields sealsync does not implement: refused by name, never
  // dropped (the Secret would silently differ from what the file says).
  if (spec.contains("data") && !spec["data"].is_null())
    return FieldError("spec.data",
                      "Bitnami's deprecated whole-Secret blob is not "
                      "supported; re-seal the values into spec.encryptedData");
  if (spec.contains("template") && spec["template"].is_object()) {
    const J& t = spec["template"];
    if (t.contains("data") && t["data"].is_object() && !t["data"].empty())
      return FieldError("spec.template.data",
                        "Bitnami value templates are not supported; seal the "
                        "final values into spec.encryptedData");
    if (t.contains("type") && t["type"].is_string())
      s.template_.type = t["type"];
    if (t.contains("immutable") && t["immutable"].is_boolean()) {
      s.template_.immutable = t["immutable"].template get<bool>();
    }
    if (t.contains("metadata") && t["metadata"].is_object()) {
      const J& m = t["metadata"];
      auto labels = StringMap(m, "labels", "spec.template.metadata.labels");
      if (!labels) return std::unexpected(labels.error());
      auto ann =
          StringMap(m, "annotations", "spec.template.metadata.annotations");
      if (!ann) return std::unexpected(ann.error());
      s.template_.labels = std::move(*labels);
      s.template_.annotations = std::move(*ann);
    }
  }
  return s;
}

Result<SealedSecret> ParseSealedSecret(std::string_view text) {
  auto doc = ParseManifest(text);
  if (!doc) return std::unexpected(doc.error());
  return SealedSecretFrom(*doc);
}

Result<SealedSecret> SealedSecretFromObject(const nlohmann::json& object) {
  try {
    return SealedSecretFrom(object);
  } catch (const nlohmann::json::exception&) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed SealedSecret object");
  }
}

std::string FormatSecret(const Secret& secret, OutputFormat format) {
  Json doc = Json::object();
  doc["apiVersion"] = "v1";
  doc["kind"] = "Secret";
  doc["metadata"] = MetaJson(secret.metadata);
  doc["type"] = secret.type.empty() ? "Opaque" : secret.type;
  if (secret.immutable) doc["immutable"] = *secret.immutable;
  Json data = Json::object();
  for (const auto& [k, v] : secret.data)
    data[k] = Base64Encode(ByteView(v.data(), v.size()));
  doc["data"] = data;
  return Format(doc, format);
}

namespace {

Json SealedSecretJson(const SealedSecret& sealed) {
  Json doc = Json::object();
  doc["apiVersion"] = kSealedSecretApiVersion;
  doc["kind"] = kSealedSecretKind;
  doc["metadata"] = MetaJson(sealed.metadata);
  Json spec = Json::object();
  spec["scope"] = sealed.scope;
  spec["encryptedData"] = sealed.encrypted_data;
  Json tmpl = Json::object();
  if (!sealed.template_.type.empty()) tmpl["type"] = sealed.template_.type;
  if (sealed.template_.immutable)
    tmpl["immutable"] = *sealed.template_.immutable;
  Json tmeta = Json::object();
  if (!sealed.template_.labels.empty())
    tmeta["labels"] = sealed.template_.labels;
  if (!sealed.template_.annotations.empty()) {
    tmeta["annotations"] = sealed.template_.annotations;
  }
  if (!tmeta.empty()) tmpl["metadata"] = tmeta;
  if (!tmpl.empty()) spec["template"] = tmpl;
  doc["spec"] = spec;
  return doc;
}

}  // namespace

std::string FormatSealedSecret(const SealedSecret& sealed,
                               OutputFormat format) {
  return Format(SealedSecretJson(sealed), format);
}

}  // namespace sealsync::api
