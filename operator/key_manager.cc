#include "operator/key_manager.h"

#include <set>

#include "lib/base/base64.h"
#include "lib/base/time_format.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

// Reads a SealingKey from a key Secret; nullopt if it is not one.
std::optional<SealingKey> FromSecret(const kube::Json& s) {
  if (!s.contains("data") || !s["data"].contains(names::kKeySecretDataKey)) {
    return std::nullopt;
  }
  auto file = Base64Decode(
      s["data"][std::string(names::kKeySecretDataKey)].get<std::string>());
  if (!file) return std::nullopt;
  auto ids = ParseIdentityFile(AsString(*file));
  SecureWipe(file->data(), file->size());
  if (!ids || ids->size() != 1) return std::nullopt;
  const kube::Json& meta = s["metadata"];
  std::string created;
  if (meta.contains("annotations") &&
      meta["annotations"].contains(names::kKeyCreatedAnnotation)) {
    created = meta["annotations"][std::string(names::kKeyCreatedAnnotation)];
  } else {
    created = meta.value("creationTimestamp", "");
  }
  auto t = ParseRfc3339(created);
  SealingKey key{(*ids)[0], (*ids)[0].recipient().KeyId(),
                 t.value_or(std::chrono::system_clock::time_point{})};
  return key;
}

bool IsBitnamiKey(const kube::Json& s) {
  const kube::Json& labels =
      s["metadata"].value("labels", kube::Json::object());
  auto it = labels.find(std::string(names::kSealingKeyLabel));
  return it != labels.end() && it->is_string() &&
         it->get<std::string>() == names::kBitnamiKeyLabelValue;
}

// An imported Bitnami key from its Secret; nullopt if it does not parse.
std::optional<bitnami::PrivateKey> BitnamiFromSecret(const kube::Json& s) {
  const kube::Json& data = s.value("data", kube::Json::object());
  auto it = data.find(std::string(names::kBitnamiKeyDataKey));
  if (it == data.end() || !it->is_string()) return std::nullopt;
  auto pem = Base64Decode(it->get<std::string>());
  if (!pem) return std::nullopt;
  auto k = bitnami::PrivateKey::FromPem(AsString(*pem));
  SecureWipe(pem->data(), pem->size());
  if (!k) return std::nullopt;
  return *k;
}

}  // namespace

std::string FormatRecipients(const std::vector<SealingKey>& keys) {
  std::string out =
      "# sealsync sealing keys, newest first; seal with the first\n";
  for (const auto& k : keys) {
    out += "# " + k.key_id + " created " + FormatRfc3339(k.created) + "\n";
    out += k.identity.recipient().ToString() + "\n";
  }
  return out;
}

KeyManager::KeyManager(kube::Client& client, const kube::Store& key_secrets,
                       KeyRing& ring, const Clock& clock, Random& random,
                       KeyManagerOptions options)
    : client_(client),
      key_secrets_(key_secrets),
      ring_(ring),
      clock_(clock),
      random_(random),
      options_(std::move(options)) {}

int KeyManager::Load() {
  std::vector<SealingKey> keys;
  std::set<std::string> in_store;
  int bad = 0;
  unreadable_.clear();
  std::vector<bitnami::PrivateKey> imported;
  for (const auto& s : key_secrets_.List()) {
    if (IsBitnamiKey(*s)) {
      std::string name =
          (*s)["metadata"].value("name", std::string("(unnamed)"));
      AuditEvent import(audit::kKeyImport,
                        "Secret " + options_.ns + "/" + name);
      std::string audited;
      if (auto k = BitnamiFromSecret(*s)) {
        audited = k->key_id();
        import.key_ids = {k->key_id()};
        imported.push_back(std::move(*k));
      } else {
        ++bad;
        unreadable_.push_back(name);
        audited = name + "@" +
                  (*s)["metadata"].value("resourceVersion", std::string());
        SetFailure(import, Error(ErrorCode::kInvalidArgument,
                                 import.object + ": not an RSA private key "
                                                 "of 2048 bits or more"));
      }
      if (imports_audited_.insert(audited).second)
        Audit(options_.audit, import);
      continue;
    }
    if (auto k = FromSecret(*s)) {
      in_store.insert(k->key_id);
      held_.insert_or_assign(k->key_id, *k);
      keys.push_back(std::move(*k));
    } else {
      ++bad;
      unreadable_.push_back(
          (*s)["metadata"].value("name", std::string("(unnamed)")));
    }
  }
  missing_.clear();
  for (const auto& [id, key] : held_) {
    if (in_store.contains(id)) continue;
    missing_.push_back(id);
    keys.push_back(key);
  }
  ring_.Set(std::move(keys));
  ring_.SetBitnami(std::move(imported));
  return bad;
}

kube::Json KeyManager::KeySecret(const SealingKey& key) const {
  std::string file =
      FormatIdentityFile(key.identity, FormatRfc3339(key.created));
  kube::Json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"type", "Opaque"},
      {"metadata",
       {{"name", std::string(names::kKeySecretPrefix) + key.key_id},
        {"namespace", options_.ns},
        {"labels",
         {{names::kSealingKeyLabel, "true"},
          {names::kManagedByLabel, names::kManagedByValue}}},
        {"annotations",
         {{names::kKeyCreatedAnnotation, FormatRfc3339(key.created)},
          {names::kKeyIdAnnotation, key.key_id}}}}},
      {"data", {{names::kKeySecretDataKey, Base64Encode(AsBytes(file))}}}};
  SecureWipe(file.data(), file.size());
  return secret;
}

Result<int> KeyManager::RestoreMissing() {
  int restored = 0;
  for (const std::string& id : missing_) {
    auto w = client_.Apply(kube::kSecrets, KeySecret(held_.at(id)),
                           {std::string(names::kFieldManager), true});
    if (!w)
      return std::unexpected(
          w.error().Wrap("restoring sealing key Secret " +
                         std::string(names::kKeySecretPrefix) + id));
    ++restored;
  }
  if (restored > 0) {
    if (auto p = Publish(); !p) return std::unexpected(p.error());
  }
  return restored;
}

Result<void> KeyManager::WriteBackup(const std::string& key_id,
                                     const std::string& armored) {
  // A merge patch adds this entry and keeps every other key's backup. (A
  // server-side apply of the one entry would remove the entries this field
  // manager applied before: the previous keys' backups.)
  const std::string name(names::kKeyBackupConfigMap);
  kube::Json patch = {{"data", {{key_id + ".age", armored}}}};
  auto p = client_.MergePatch(kube::kConfigMaps, {options_.ns, name}, patch);
  if (p) return {};
  if (p.error().code() != ErrorCode::kNotFound)
    return std::unexpected(p.error());
  kube::Json cm = {{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", {{"name", name}, {"namespace", options_.ns}}},
                   {"data", patch["data"]}};
  auto c = client_.Create(kube::kConfigMaps, cm);
  if (c) return {};
  if (c.error().code() != ErrorCode::kAlreadyExists)
    return std::unexpected(c.error());
  auto again =
      client_.MergePatch(kube::kConfigMaps, {options_.ns, name}, patch);
  if (!again) return std::unexpected(again.error());
  return {};
}

Result<int> KeyManager::BackUpImported() {
  if (!options_.break_glass) return 0;
  int written = 0;
  std::optional<kube::Json> existing;
  for (const auto& key : ring_.BitnamiKeys()) {
    if (backed_up_.contains(key.key_id())) continue;
    if (!existing) {
      auto cm =
          client_.Get(kube::kConfigMaps,
                      {options_.ns, std::string(names::kKeyBackupConfigMap)});
      if (!cm && cm.error().code() != ErrorCode::kNotFound)
        return std::unexpected(cm.error().Wrap("reading the key backups"));
      existing = cm ? *cm : kube::Json::object();
    }
    // ConfigMap keys allow no ':': "bitnami-<hex16>".
    std::string id = key.key_id();
    id[id.find(':')] = '-';
    const std::string entry = id + ".age";
    if (!existing->value("data", kube::Json::object()).contains(entry)) {
      std::string pem = key.PrivatePem();
      const AgeRecipient* rs[] = {&*options_.break_glass};
      auto enc = AgeEncrypt(AsBytes(pem), rs, random_);
      SecureWipe(pem.data(), pem.size());
      if (!enc) return std::unexpected(enc.error().Wrap("imported key backup"));
      auto w = WriteBackup(id, AgeArmor(*enc));
      if (!w)
        return std::unexpected(
            w.error().Wrap("writing the backup of " + key.key_id()));
      ++written;
    }
    backed_up_.insert(key.key_id());
  }
  return written;
}

Result<SealingKey> KeyManager::CreateKey() {
  auto key = CreateKeyUnaudited();
  AuditEvent create(audit::kKeyCreate);
  if (key) {
    create.object = "Secret " + options_.ns + "/" +
                    std::string(names::kKeySecretPrefix) + key->key_id;
    create.key_ids = {key->key_id};
  } else {
    SetFailure(create, key.error());
  }
  Audit(options_.audit, create);
  return key;
}

Result<SealingKey> KeyManager::CreateKeyUnaudited() {
  X25519Identity id = X25519Identity::Generate(random_);
  SealingKey key{id, id.recipient().KeyId(), clock_.WallNow()};
  std::string created = FormatRfc3339(key.created);
  std::string name = std::string(names::kKeySecretPrefix) + key.key_id;
  if (options_.break_glass) {
    std::string file = FormatIdentityFile(id, created);
    const AgeRecipient* rs[] = {&*options_.break_glass};
    auto enc = AgeEncrypt(AsBytes(file), rs, random_);
    SecureWipe(file.data(), file.size());
    if (!enc) return std::unexpected(enc.error().Wrap("sealing key backup"));
    auto w = WriteBackup(key.key_id, AgeArmor(*enc));
    if (!w)
      return std::unexpected(
          w.error().Wrap("writing the key backup (key not created)"));
  }
  kube::Json secret = KeySecret(key);
  auto c = client_.Create(kube::kSecrets, secret);
  if (!c)
    return std::unexpected(
        c.error().Wrap("creating sealing key Secret " + name));
  held_.insert_or_assign(key.key_id, key);
  return key;
}

Result<std::optional<std::chrono::milliseconds>> KeyManager::Rotate() {
  Load();
  auto newest = ring_.Newest();
  auto now = clock_.WallNow();
  bool renew_on = options_.renewal.count() > 0;
  bool due = !newest || (renew_on && now - newest->created >= options_.renewal);
  if (due) {
    auto key = CreateKey();
    if (!key) return std::unexpected(key.error());
    auto keys = ring_.Keys();
    keys.push_back(std::move(*key));
    ring_.Set(std::move(keys));
    newest = ring_.Newest();
  }
  if (auto p = Publish(); !p) return std::unexpected(p.error());
  if (!renew_on) return std::optional<std::chrono::milliseconds>();
  auto next = newest->created + options_.renewal - now;
  return std::optional<std::chrono::milliseconds>(
      std::max(std::chrono::duration_cast<std::chrono::milliseconds>(next),
               std::chrono::milliseconds(1000)));
}

Result<void> KeyManager::Publish() {
  kube::Json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", names::kRecipientsConfigMap}, {"namespace", options_.ns}}},
      {"data", {{names::kRecipientsDataKey, FormatRecipients(ring_.Keys())}}}};
  auto w = client_.Apply(kube::kConfigMaps, cm,
                         {std::string(names::kFieldManager), true});
  if (!w) return std::unexpected(w.error().Wrap("publishing recipients"));
  return {};
}

}  // namespace sealsync::op
