// StoreReconciler: SecretStore / ClusterSecretStore -> Ready after a login.
// Read the store, read its credentials (a namespaced SecretStore from its
// own namespace only), log in through the shared vault client (one call in
// flight per host and bulkhead slot), write status once. Reasons
// (reasons.h): Valid, InvalidSpec, InvalidProviderConfig, VaultUnavailable.
// Thread-safe.
#pragma once

#include <string>

#include "lib/kube/store.h"
#include "operator/controller.h"
#include "operator/host_bulkhead.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "sealsync/random.h"
#include "sealsync/vault.h"

namespace sealsync::op {

class StoreReconciler final : public Reconciler {
 public:
  // `kind` is SecretStore or ClusterSecretStore.
  // `hosts` is shared by both kinds' reconcilers: a store whose host has
  // its calls in flight already is requeued (2 s) without holding a worker.
  StoreReconciler(kube::Client& client, const kube::Store& stores,
                  std::string kind, vault::Client& vault, const Clock& clock,
                  Random& random, HostBulkhead& hosts);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  // Status for `error` (nullptr: Ready=True, logged in) and the Action.
  Result<Action> Finish(const kube::Json& obj, const Error* error,
                        std::string_view reason,
                        std::chrono::milliseconds again);

  kube::Client& client_;
  const kube::Store& stores_;
  std::string kind_;
  vault::Client& vault_;
  const Clock& clock_;
  Random& random_;
  HostBulkhead& hosts_;
};

}  // namespace sealsync::op
