// SealedSecretReconciler: SealedSecret -> Secret of the same name and
// namespace. Level-based, in four steps:
//   1. read the SealedSecret and the Secret (cache of Secrets labelled as
//      ours; a GET when the cache has none, to see a Secret we do not own);
//   2. unseal and render the desired Secret (pure: Render, RenderSecret);
//   3. if it differs from the observed one, one server-side apply with the
//      fixed field manager (delete + apply for an immutable Secret);
//   4. write status once, only if it changed (after creating a Secret, on a
//      second pass queued behind the keys already waiting, so a burst of
//      new SealedSecrets gets every Secret before any status).
// A failure to unseal, or a target Secret that is not ours, leaves any
// existing Secret untouched, sets Ready=False with the reason and returns a
// terminal error.
// After a successful pass the reconciler remembers, per key, what it wrote
// (no values: uids, generations, the Secret's resourceVersion, key ids). A
// later pass over the same SealedSecret spec, the same key ring and the
// untouched Secret (the status follow-up, the echo of its own write) skips
// the decrypt. Thread-safe.
#pragma once

#include <map>
#include <mutex>

#include "lib/kube/store.h"
#include "operator/audit.h"
#include "operator/controller.h"
#include "operator/key_ring.h"
#include "sealsync/api.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::op {

inline const kube::Resource kSealedSecrets{"sealsync.dev", "v1alpha1",
                                           "sealedsecrets", true};

// The Secret sealsync wants for `secret` (unsealed from `owner`), with the
// managed-by label and a controller ownerReference to `owner`.
kube::Json RenderSecret(const api::Secret& secret, const kube::Json& owner);

// True if `observed` already has everything `desired` sets (data exactly).
bool SecretMatches(const kube::Json& observed, const kube::Json& desired);

class SealedSecretReconciler final : public Reconciler {
 public:
  SealedSecretReconciler(kube::Client& client, const kube::Store& sealed,
                         const kube::Store& secrets, const KeyRing& keys,
                         const Clock& clock, AuditLog* audit = nullptr);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  // What the pure step produced: the desired Secret and what it used.
  struct Rendered {
    kube::Json desired;
    std::vector<std::string> key_ids;
    uint64_t ring_generation = 0;
  };
  // Parses and unseals `obj`, checks its template and renders the Secret.
  // Errors carry their reason: Malformed, NoMatchingKey, ScopeMismatch,
  // DecryptFailed, TypeNotAllowed. No I/O.
  Result<Rendered> Render(const kube::Json& obj, const std::string& id) const;
  // Creates or writes the Secret (consent checked), then status.
  Result<Action> Apply(const std::string& key, const std::string& id,
                       const kube::Json& obj, const Rendered& rendered);
  // Ready=False TargetNotOwned; looked at again after kConsentRecheck.
  Result<Action> NotOwned(const std::string& key, const std::string& id,
                          const kube::Json& obj);
  // Ready=False with `e`'s reason, then `e`. A failed status write is
  // returned instead when `status_must_succeed`.
  Result<Action> Fail(const kube::Json& obj, const Error& e,
                      bool status_must_succeed);
  Result<std::optional<kube::Json>> Observed(const std::string& key);
  // Returns the written Secret's resourceVersion.
  Result<std::string> Write(const std::optional<kube::Json>& observed,
                            const kube::Json& desired);
  // Writes status if it differs; `error` nullptr means Ready=True, else
  // Ready=False with `reason` and the error's message.
  Result<void> UpdateStatus(const kube::Json& obj, const Error* error,
                            std::string_view reason,
                            const std::vector<std::string>& key_ids);

  // What one successful pass saw and wrote; valid while all of it holds.
  struct Synced {
    std::string uid;
    int64_t generation = 0;
    uint64_t ring_generation = 0;
    std::string secret_version;  // resourceVersion of the Secret written
    std::vector<std::string> key_ids;
  };
  // The remembered pass for `key` if `obj`, the key ring and the cached
  // Secret are all as it left them.
  std::optional<std::vector<std::string>> StillSynced(const std::string& key,
                                                      const kube::Json& obj);
  void Remember(const std::string& key, const kube::Json& obj,
                uint64_t ring_generation, std::string secret_version,
                std::vector<std::string> key_ids);
  void Forget(const std::string& key);

  kube::Client& client_;
  const kube::Store& sealed_;
  const kube::Store& secrets_;
  const KeyRing& keys_;
  const Clock& clock_;
  AuditLog* audit_;  // every decrypt; may be null
  std::mutex mu_;    // guards synced_
  std::map<std::string, Synced> synced_;
};

}  // namespace sealsync::op
