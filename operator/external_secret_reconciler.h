// ExternalSecretReconciler: ExternalSecret -> Secret from Infisical.
//
// Level-based, in four steps (Reconcile):
//   1. read: the ExternalSecret (cache), its store (cache: exists, parses,
//      Ready) and the store's credentials (StoreAuth; a namespaced
//      SecretStore reads them from its own namespace only), the
//      templateFrom ConfigMaps (own namespace, template_from.h), then the
//      values
//      through the shared vault client (one list per scope and refresh
//      window for every ExternalSecret; a change since the last sync reads
//      afresh);
//   2. render the target Secret (pure: RenderTarget, external_values.h);
//   3. one write, if this ExternalSecret may (target_consent.h) and it
//      differs: create, or server-side apply with the fixed field manager;
//      or, with nothing left in the vault, deletionPolicy;
//   4. status once, only if it changed; requeue at the next refresh (with
//      jitter, from the last fetch, so a restart does not line every object
//      up).
// Each step that fails returns an Outcome (below) carrying the condition
// reason (reasons.h); Finish() turns it into status and the Action. Vault
// problems keep the existing Secret as it is: status says why and the next
// refresh retries (Action::Degraded); network/5xx errors back off
// (transient error). Time and randomness are injected. Thread-safe.
#pragma once

#include <expected>

#include "lib/kube/store.h"
#include "operator/audit.h"
#include "operator/controller.h"
#include "operator/external_secret_spec.h"
#include "operator/external_values.h"
#include "operator/force_sync.h"
#include "operator/own_writes.h"
#include "operator/store_reconciler.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "sealsync/random.h"
#include "sealsync/vault.h"

namespace sealsync::op {

// The stores of the resource kinds the reconciler reads.
struct ExternalCaches {
  const kube::Store& external_secrets;
  const kube::Store& stores;          // SecretStores
  const kube::Store& cluster_stores;  // ClusterSecretStores
  const kube::Store& secrets;         // Secrets labelled as ours
};

class ExternalSecretReconciler final : public Reconciler {
 public:
  // `own_writes` (optional) records each target write, so that its watch
  // echo queues no pass.
  ExternalSecretReconciler(kube::Client& client, ExternalCaches caches,
                           vault::Client& vault, const Clock& clock,
                           Random& random, AuditLog* audit = nullptr,
                           OwnWrites* own_writes = nullptr);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

  // What one pass decided.
  struct Outcome {
    enum class Kind {
      kSynced,    // Ready=True with `reason`; then `action`
      kDegraded,  // Ready=False; Action::Degraded(error, again)
      kFailed,    // Ready=False; the error is returned (backoff or wait)
      kQuiet,     // no status; the error is returned (API trouble)
      kSkip,      // no status; `action` (stopping before the vault call)
    } kind = Kind::kSynced;
    std::optional<Error> error;  // carries its reason
    std::string_view reason;     // kSynced
    Action action;               // kSynced
    std::chrono::milliseconds again{0};
    std::optional<std::chrono::system_clock::time_point> refreshed;
  };
  template <typename T>
  using Step = std::expected<T, Outcome>;

 private:
  struct Source {
    StoreSpec store;
    vault::UniversalAuth auth;
  };
  Outcome Sync(std::stop_token stop, const kube::Json& obj,
               const ExternalSecretSpec& es);
  Step<Source> ReadSource(const ExternalSecretSpec& es,
                          std::chrono::milliseconds retry);
  Step<Fetched> ReadValues(const kube::Json& obj, const ExternalSecretSpec& es,
                           Source& source, std::chrono::milliseconds retry);
  // Nothing left in the vault: the Outcome of deletionPolicy Retain or
  // Delete, nullopt for Merge (write the Secret without the keys).
  std::optional<Outcome> ApplyDeletionPolicy(const ExternalSecretSpec& es,
                                             const std::string& uid,
                                             std::chrono::milliseconds retry);
  Outcome Synced(const ExternalSecretSpec& es, const Fetched& fetched);
  Result<Action> Finish(const kube::Json& obj, const ExternalSecretSpec* es,
                        const Outcome& outcome);

  // The target Secret, from the cache or the API server; nullopt if none.
  Result<std::optional<kube::Json>> ObserveTarget(const ExternalSecretSpec& es);
  // Creates or applies `desired` if this ExternalSecret may write the target
  // (target_consent.h). Errors carry their condition reason:
  // TargetNotOwned (kFailedPrecondition), WriteFailed (kUnavailable), or
  // SecretSyncedError for a missing Merge target.
  Result<void> WriteTarget(const ExternalSecretSpec& es, const std::string& uid,
                           const kube::Json& desired);
  // deletionPolicy Delete: deletes the target if this ExternalSecret may.
  Result<void> DeleteTarget(const ExternalSecretSpec& es,
                            const std::string& uid);
  Result<void> WriteStatus(
      const kube::Json& obj, const ExternalSecretSpec* es, const Error* error,
      std::string_view reason,
      std::optional<std::chrono::system_clock::time_point> refreshed);

  kube::Client& client_;
  ExternalCaches caches_;
  vault::Client& vault_;
  const Clock& clock_;
  ForceSyncWindows force_windows_{clock_};
  Random& random_;
  // Credentials are read again after this long (a rotation is picked up).
  static constexpr std::chrono::seconds kCredentialsTtl{10};
  StoreAuthCache auth_cache_{clock_, kCredentialsTtl};
  AuditLog* audit_;        // every vault fetch; may be null
  OwnWrites* own_writes_;  // may be null
};

}  // namespace sealsync::op
