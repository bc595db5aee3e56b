// sealctl keys import-bitnami: Bitnami sealed-secrets keys become sealsync
// decryption-only keys (docs/migrating.md). Input as exported with
//   kubectl get secret -n kube-system \
//     -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml
// (a List of kubernetes.io/tls Secrets, or one Secret), or PEM files. The
// private keys go straight to Secrets in the operator's namespace (or, with
// -o, to a new 0600 file for kubectl apply); they are never printed.
#include <iostream>

#include "lib/api/manifest.h"
#include "lib/base/base64.h"
#include "sealctl/bitnami_keys.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/documents.h"
#include "sealctl/io.h"
#include "sealsync/bitnami.h"
#include "sealsync/kube.h"
#include "sealsync/names.h"

namespace sealsync::sealctl {
namespace {

using Json = api::Json;

using Imported = BitnamiKeyInput;

Error Bad(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, where + ": " + what);
}

// The keys in one input file: PEM, a Secret, or a List of Secrets.
Result<std::vector<Imported>> KeysIn(const std::string& path,
                                     std::string text) {
  std::vector<Imported> out;
  if (text.find("-----BEGIN") != std::string::npos) {
    auto k = bitnami::PrivateKey::FromPem(text);
    SecureWipe(text.data(), text.size());
    if (!k) return std::unexpected(k.error().Wrap(path));
    out.push_back({*k, path});
    return out;
  }
  auto doc = api::ParseManifest(text);
  SecureWipe(text.data(), text.size());
  if (!doc || !doc->is_object()) {
    return std::unexpected(
        Bad(path,
            "not a PEM private key, nor a Secret or List of Secrets "
            "with data.tls.key"));
  }
  std::vector<Json> secrets = ExpandLists({std::move(*doc)});
  for (size_t i = 0; i < secrets.size(); ++i) {
    const Json& s = secrets[i];
    const Json& meta = s.value("metadata", Json::object());
    std::string id = meta.value("namespace", "") + "/" + meta.value("name", "");
    std::string where = path + ": Secret " + id;
    if (s.value("kind", "") != "Secret")
      return std::unexpected(Bad(where, "kind: want Secret"));
    const Json& data = s.value("data", Json::object());
    if (!data.contains("tls.key") || !data["tls.key"].is_string())
      return std::unexpected(Bad(where, "data.tls.key: missing"));
    auto pem = Base64Decode(data["tls.key"].get<std::string>());
    if (!pem) return std::unexpected(Bad(where, "data.tls.key: not base64"));
    auto k = bitnami::PrivateKey::FromPem(AsString(*pem));
    SecureWipe(pem->data(), pem->size());
    if (!k) return std::unexpected(k.error().Wrap(where + ": data.tls.key"));
    out.push_back({*k, id});
  }
  return out;
}

// The sealsync Secret holding one imported key.
Json KeySecret(const Imported& k, const std::string& ns) {
  std::string pem = k.key.PrivatePem();
  std::string hex = k.key.key_id().substr(k.key.key_id().find(':') + 1);
  Json s = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"type", "Opaque"},
      {"metadata",
       {{"name", std::string(names::kBitnamiKeySecretPrefix) + hex},
        {"namespace", ns},
        {"labels",
         {{std::string(names::kSealingKeyLabel),
           std::string(names::kBitnamiKeyLabelValue)},
          {std::string(names::kManagedByLabel),
           std::string(names::kManagedByValue)}}},
        {"annotations",
         {{std::string(names::kKeyIdAnnotation), k.key.key_id()},
          {"sealsync.dev/imported-from", k.from}}}}},
      {"data",
       {{std::string(names::kBitnamiKeyDataKey), Base64Encode(AsBytes(pem))}}}};
  SecureWipe(pem.data(), pem.size());
  return s;
}

}  // namespace

Result<std::vector<BitnamiKeyInput>> ReadBitnamiKeyFile(const std::string& path,
                                                        std::istream& in) {
  auto text = ReadInput(path, in);
  if (!text) return std::unexpected(text.error());
  return KeysIn(path == "-" ? "stdin" : path, std::move(*text));
}

Result<std::vector<bitnami::PrivateKey>> ReadBitnamiKeys(
    const std::string& path, std::istream& in) {
  auto read = ReadBitnamiKeyFile(path, in);
  if (!read) return std::unexpected(read.error());
  std::vector<bitnami::PrivateKey> out;
  for (auto& k : *read) out.push_back(std::move(k.key));
  return out;
}

int ImportBitnami(const ImportBitnamiOptions& opts, Streams io) {
  if (opts.files.empty())
    return Fail(io.err, "no input: pass -f FILE (a Secret, a List, or PEM)");
  std::vector<Imported> keys;
  for (const std::string& f : opts.files) {
    auto in = ReadBitnamiKeyFile(f, io.in);
    if (!in) return Fail(io.err, in.error());
    keys.insert(keys.end(), in->begin(), in->end());
  }
  if (keys.empty()) return Fail(io.err, "no Bitnami keys in the input");
  const std::string& ns = opts.cluster.controller_namespace;
  if (!opts.output.empty()) {
    Json list = {
        {"apiVersion", "v1"}, {"kind", "List"}, {"items", Json::array()}};
    for (const auto& k : keys) list["items"].push_back(KeySecret(k, ns));
    std::string text = api::EmitYaml(list);
    auto w = WriteNewPrivateFile(opts.output, text);
    SecureWipe(text.data(), text.size());
    list.clear();
    if (!w) return Fail(io.err, w.error());
  } else {
    auto rest = LoadConfig(opts.cluster);
    if (!rest) return Fail(io.err, rest.error());
    auto client = kube::NewClient(*rest);
    if (!client) return Fail(io.err, client.error());
    for (const auto& k : keys) {
      Json s = KeySecret(k, ns);
      auto applied =
          (*client)->Apply(kube::kSecrets, s, {"sealctl", /*force=*/true});
      s.clear();
      if (!applied) {
        return FailWithHints(
            io.err,
            applied.error().Wrap("storing " + k.key.key_id() + " in " + ns),
            {ClusterHint(applied.error(), "create/patch secrets in " + ns)});
      }
    }
  }
  for (const auto& k : keys) {
    io.err << "imported " << k.key.key_id() << " (RSA " << k.key.bits()
           << ", from " << k.from << "): decryption only\n";
  }
  return 0;
}

}  // namespace sealsync::sealctl
