// ClusterExternalSecretReconciler: one ExternalSecret in every namespace a
// ClusterExternalSecret selects, removed from namespaces that stop matching.
//
// Read (the object, Namespaces and ExternalSecrets from the caches) ->
// PlanFanOut (pure) -> one write per namespace that needs one -> status
// once: provisionedNamespaces, failedNamespaces [{namespace, reason}],
// Ready (reasons.h: Provisioned, NamespacesFailed, TooManyNamespaces,
// InvalidSpec), observedGeneration.
//
// Ownership (DESIGN.md "Tenants and trust"): an ExternalSecret is ours only
// when its controller ownerReference is this ClusterExternalSecret (by UID);
// a label never decides. An ExternalSecret of the same name that is not
// ours (a tenant's) is never written or deleted: its namespace is listed in
// failedNamespaces with why. Updates carry the observed resourceVersion and
// deletes the observed UID, so an object replaced in between is not
// touched. At most kMaxProvisionedNamespaces namespaces per object (sorted
// by name; the rest: TooManyNamespaces). Thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/kube/store.h"
#include "operator/cluster_external_secret_spec.h"
#include "operator/controller.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::op {

inline constexpr size_t kMaxProvisionedNamespaces = 1000;

struct ClusterExternalCaches {
  const kube::Store& cluster_external_secrets;
  const kube::Store& namespaces;
  const kube::Store& external_secrets;
};

// What one pass should do (PlanFanOut).
struct FanOutPlan {
  std::vector<kube::Json> creates;    // rendered; nothing of that name yet
  std::vector<kube::Json> updates;    // ours, out of date: observed, updated
  std::vector<kube::Json> deletes;    // ours, no longer selected: observed
  std::vector<std::string> in_place;  // ours and up to date
  std::map<std::string, std::string> failed;  // namespace -> why
  size_t selected = 0;                        // before the limit
};

// Pure. `allowed`: the namespaces the operator serves (empty: all); a
// terminating namespace is neither provisioned nor cleaned (it is going).
FanOutPlan PlanFanOut(const ClusterExternalSecretSpec& spec,
                      const std::vector<kube::ObjectPtr>& namespaces,
                      const std::vector<kube::ObjectPtr>& external_secrets,
                      const std::set<std::string>& allowed);

class ClusterExternalSecretReconciler final : public Reconciler {
 public:
  ClusterExternalSecretReconciler(kube::Client& client,
                                  ClusterExternalCaches caches,
                                  const Clock& clock,
                                  std::set<std::string> allowed = {});
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  struct Outcome;
  // The plan's writes, each failure recorded against its namespace.
  void Write(std::stop_token stop, const ClusterExternalSecretSpec& spec,
             const FanOutPlan& plan, Outcome& out);
  Result<Action> Finish(const kube::Json& obj,
                        const ClusterExternalSecretSpec& spec,
                        const FanOutPlan& plan, const Outcome& out);

  kube::Client& client_;
  ClusterExternalCaches caches_;
  const Clock& clock_;
  std::set<std::string> allowed_;
};

}  // namespace sealsync::op
