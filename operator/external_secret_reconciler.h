// ExternalSecretReconciler: ExternalSecret -> Secret from Infisical, and
// StoreReconciler: SecretStore / ClusterSecretStore -> Ready after a login.
//
// ExternalSecret, level-based: resolve the store and its credentials (a
// namespaced SecretStore reads them from its own namespace only), read the
// values through the shared vault client (one list per scope and refresh
// window for every ExternalSecret), render the target (templates, policies),
// write it only if it differs, write status only if it changed, and requeue
// at the next refresh (with jitter; from the last fetch, so a restart does
// not line every object up). Vault problems keep the existing Secret as it
// is: status says why and the next refresh retries (Action::Degraded);
// network/5xx errors back off (transient error). Thread-safe.
#pragma once

#include <random>

#include "lib/kube/store.h"
#include "operator/controller.h"
#include "operator/external_secret_spec.h"
#include "operator/host_bulkhead.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "sealsync/vault.h"

namespace sealsync::op {

// The stores of the three resource kinds the reconcilers read.
struct ExternalCaches {
  const kube::Store& external_secrets;
  const kube::Store& stores;          // SecretStores
  const kube::Store& cluster_stores;  // ClusterSecretStores
  const kube::Store& secrets;         // Secrets labelled as ours
};

// Reads a store's credentials from its referenced Secret(s). Errors name the
// Secret and key, never the value.
Result<vault::UniversalAuth> StoreAuth(kube::Client& client,
                                       const StoreSpec& store);

// The Secret an ExternalSecret asks for (pure): data base64-encoded, the
// template's metadata, the managed-by label, the owner annotation (not for
// Merge: the Secret's own consent annotation stays), and the controller
// ownerReference for creationPolicy Owner.
kube::Json RenderExternalSecret(const ExternalSecretSpec& es,
                                const std::string& uid,
                                const std::map<std::string, std::string>& data);

class ExternalSecretReconciler final : public Reconciler {
 public:
  ExternalSecretReconciler(kube::Client& client, ExternalCaches caches,
                           vault::Client& vault, const Clock& clock);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  struct Fetched {
    std::map<std::string, std::string> values;
    std::chrono::steady_clock::time_point oldest;  // of the lists used
  };
  // `fresh`: do not reuse a shared list; read the vault now.
  Result<Fetched> Fetch(const ExternalSecretSpec& es, const StoreSpec& store,
                        const vault::UniversalAuth& auth, bool fresh);
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
  static Error NotOwned(const ExternalSecretSpec& es);
  Result<bool> WriteStatus(
      const kube::Json& obj, const ExternalSecretSpec* es, const Error* error,
      std::string_view reason,
      std::optional<std::chrono::system_clock::time_point> refreshed);

  kube::Client& client_;
  ExternalCaches caches_;
  vault::Client& vault_;
  const Clock& clock_;
};

class StoreReconciler final : public Reconciler {
 public:
  // `kind` is SecretStore or ClusterSecretStore.
  // `hosts` is shared by both kinds' reconcilers: a store whose host has
  // its calls in flight already is requeued (2 s) without holding a worker.
  StoreReconciler(kube::Client& client, const kube::Store& stores,
                  std::string kind, vault::Client& vault, const Clock& clock,
                  HostBulkhead& hosts);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  kube::Client& client_;
  const kube::Store& stores_;
  std::string kind_;
  vault::Client& vault_;
  const Clock& clock_;
  HostBulkhead& hosts_;
};

}  // namespace sealsync::op
