// Event handlers: which Requests a watch event of one kind concerns, for
// the controllers of another (controller-runtime's
// handler.EnqueueRequestsFromMapFunc). Pure functions of the event's object
// (and the cache they read), so each mapping is table-tested.
#pragma once

#include <string>
#include <vector>

#include "lib/kube/store.h"
#include "operator/request.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// The ExternalSecrets a derived Secret belongs to: every "ExternalSecret/name"
// its owner annotation names (comma-separated: the consent an admin gave,
// target_consent.h), in the Secret's namespace.
std::vector<Request> ExternalSecretsOfSecret(const std::string& key,
                                             const kube::ObjectPtr& obj);

// The SealedSecret a derived Secret belongs to: the one of the same name and
// namespace, unless the owner annotation names an ExternalSecret.
std::vector<Request> SealedSecretOfSecret(const std::string& key,
                                          const kube::ObjectPtr& obj);

// What happened to a store, for its ExternalSecrets.
enum class StoreEvent {
  kChanged,     // new, deleted, its spec/labels/annotations changed, or its
                // status now says anything but Ready
  kFoundReady,  // only its status changed, and it says Ready
};

// The ExternalSecrets in `external_secrets` that use the store `key` of
// `kind` (SecretStore: same namespace; ClusterSecretStore: any). For
// kFoundReady only those not Ready for their own generation: the ones that
// wait for the store. The synced ones have nothing to learn from a verdict
// their own sync already made (re-running 1,000 of them when a new store
// turns Ready was a second pass each).
std::vector<Request> ExternalSecretsUsingStore(
    const kube::Store& external_secrets, const std::string& kind,
    const std::string& key, StoreEvent event = StoreEvent::kChanged);

// The ClusterExternalSecret an ExternalSecret was provisioned by: its
// controller ownerReference of kind ClusterExternalSecret (sealsync.dev), so
// a tenant's edit or deletion of it is undone. None for any other.
std::vector<Request> ClusterExternalSecretOfExternalSecret(
    const std::string& key, const kube::ObjectPtr& obj);

// A tenant's own ExternalSecret (not controlled by a ClusterExternalSecret)
// deleted: the ClusterExternalSecrets whose children take its name
// (spec.externalSecretName, else their own name) and listed its namespace as
// failed may provision it now, not only at their next refreshTime. Nothing
// for any other event.
std::vector<Request> ClusterExternalSecretsOfFreedName(
    kube::WatchEventType type, const std::string& key,
    const kube::ObjectPtr& obj, const kube::Store& cluster_external_secrets);

// Every ClusterExternalSecret in `cluster_external_secrets`: a Namespace
// event (created, relabelled, deleted) may change what any of them selects.
std::vector<Request> EveryClusterExternalSecret(
    const kube::Store& cluster_external_secrets);

}  // namespace sealsync::op
