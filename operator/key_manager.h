// The KeyManager owns the sealing keys in the operator's namespace:
//
//   - Load(): reads every Secret labelled sealsync.dev/sealing-key (from the
//     watcher's Store) into the KeyRing. Any replica. A key this process
//     held stays in the ring when its Secret is deleted or corrupted (an
//     admin mistake must not make SealedSecrets undecryptable); Missing()
//     names such keys and RestoreMissing() (leader) writes them back.
//   - Rotate(): leader only. Generates a key when there is none or the
//     newest is older than the renewal period (0 = never), writing first the
//     break-glass backup (if configured), then the key Secret, so no key is
//     ever active without its backup. Then publishes the recipients
//     ConfigMap, newest first.
//
// Keys never appear in logs or errors and are only written to Secrets in the
// operator's namespace. Not thread-safe: call from one thread.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lib/kube/store.h"
#include "operator/audit.h"
#include "operator/key_ring.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "sealsync/random.h"

namespace sealsync::op {

struct KeyManagerOptions {
  std::string ns;  // the operator's namespace
  std::chrono::milliseconds renewal{std::chrono::hours(720)};  // 0: never
  std::optional<X25519Recipient> break_glass;
  AuditLog* audit = nullptr;  // key creations and imports; may be null
};

class KeyManager {
 public:
  KeyManager(kube::Client& client, const kube::Store& key_secrets,
             KeyRing& ring, const Clock& clock, Random& random,
             KeyManagerOptions options);

  // Replaces the ring's keys with those in the Store plus those held before
  // whose Secret is gone or unreadable. Returns how many Secrets could not
  // be parsed (they are skipped; never fatal).
  int Load();

  // Key ids held in memory whose Secret was missing or unreadable at the
  // last Load().
  const std::vector<std::string>& Missing() const { return missing_; }
  // Names of the key Secrets that could not be parsed at the last Load().
  const std::vector<std::string>& Unreadable() const { return unreadable_; }

  // Leader only. Writes the Secret of every Missing() key back from memory
  // (server-side apply: a corrupted Secret is overwritten), then publishes
  // the recipients. Returns how many were restored.
  Result<int> RestoreMissing();

  // Leader only. Creates a key if due, publishes recipients. Returns the time
  // until the next key is due (or nullopt when renewal is off).
  Result<std::optional<std::chrono::milliseconds>> Rotate();

  // Writes the recipients ConfigMap from the ring (server-side apply).
  Result<void> Publish();

  // Leader only. With a break-glass recipient, backs up every imported
  // Bitnami key (its PEM, age-encrypted to it) that the backup ConfigMap
  // lacks, as "<key id>.age". Returns how many were written.
  Result<int> BackUpImported();

 private:
  // Creates a key (backup first, then its Secret) and audits it.
  Result<SealingKey> CreateKey();
  Result<SealingKey> CreateKeyUnaudited();
  // Adds "<key_id>.age" to the backup ConfigMap, keeping the other entries.
  Result<void> WriteBackup(const std::string& key_id,
                           const std::string& armored);
  kube::Json KeySecret(const SealingKey& key) const;

  kube::Client& client_;
  const kube::Store& key_secrets_;
  KeyRing& ring_;
  const Clock& clock_;
  Random& random_;
  KeyManagerOptions options_;
  std::map<std::string, SealingKey> held_;
  // Bitnami key Secrets audited (imported: key id; unreadable: name and
  // resourceVersion), so each import is recorded once.
  std::set<std::string> imports_audited_;  // by key id: every key seen
  std::vector<std::string> missing_;
  std::vector<std::string> unreadable_;
  std::set<std::string> backed_up_;  // imported keys known to be backed up
};

// The recipients file published in the ConfigMap: "# <key id> created <time>"
// then the recipient, newest first.
std::string FormatRecipients(const std::vector<SealingKey>& keys);

}  // namespace sealsync::op
