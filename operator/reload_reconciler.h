// The reload controller's reconciler: restarts a Deployment, StatefulSet or
// DaemonSet that opted in (operator/reload.h) when the data of a Secret it
// uses, one that sealsync manages in the workload's own namespace, changed.
//
// Level-based: the workload's annotation sealsync.dev/reload-observed holds
// the fingerprints it last ran with; the current ones come from the managed
// Secret cache. First sight writes the annotation only (no restart). A
// difference starts a coalescing window: the restart happens `window` after
// the first difference was seen, with whatever the data is then, so a burst
// of writes is one restart. The restart is one merge patch: the observed
// annotation, and pod-template annotations sealsync.dev/restarted-at (time)
// and sealsync.dev/restarted-for (the Secret names), which makes the
// workload's own controller roll out new Pods. A Normal Event "Reloaded" on
// the workload names the Secrets (never values).
//
// Thread-safe: `pending_` is guarded; one Request never runs twice at once.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "lib/kube/event_recorder.h"
#include "lib/kube/store.h"
#include "operator/controller.h"
#include "operator/key_ring.h"
#include "operator/reload.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::op {

inline const kube::Resource kDeployments{"apps", "v1", "deployments", true};
inline const kube::Resource kStatefulSets{"apps", "v1", "statefulsets", true};
inline const kube::Resource kDaemonSets{"apps", "v1", "daemonsets", true};

// The workload kinds, by Request::kind.
struct ReloadWorkloads {
  const kube::Store& deployments;
  const kube::Store& stateful_sets;
  const kube::Store& daemon_sets;
};

class ReloadReconciler final : public Reconciler {
 public:
  ReloadReconciler(kube::Client& client, ReloadWorkloads workloads,
                   const kube::Store& secrets, const KeyRing& keys,
                   kube::EventRecorder& events, const Clock& clock,
                   std::chrono::milliseconds window);
  Result<Action> Reconcile(std::stop_token stop,
                           const Request& request) override;

 private:
  const kube::Store* StoreOf(const std::string& kind) const;
  // The fingerprints of the `targets` sealsync manages in `ns`.
  Fingerprints Current(const std::string& ns,
                       const std::set<std::string>& targets,
                       ByteView key) const;
  // Drops the request's coalescing window.
  void Forget(const Request& request);
  // Opens the request's window at the first difference: a requeue until it
  // has passed, nullopt once it has (closed again).
  std::optional<Action> Coalesce(const Request& request);
  // The restart: `patch` (the observed annotation) plus the pod-template
  // annotations; the Event naming `changed`.
  Result<Action> Restart(const Request& request, kube::Json patch,
                         const std::set<std::string>& changed);

  kube::Client& client_;
  ReloadWorkloads workloads_;
  const kube::Store& secrets_;
  const KeyRing& keys_;
  kube::EventRecorder& events_;
  const Clock& clock_;
  std::chrono::milliseconds window_;
  std::mutex mu_;
  std::map<std::string, Clock::TimePoint> pending_;  // by Request key
};

// The Requests of the opted-in workloads in the Secret's namespace that
// reload for the Secret `secret_key` ("ns/name"): the event mapping for
// Secret events.
std::vector<Request> WorkloadsUsingSecret(const ReloadWorkloads& workloads,
                                          const std::string& secret_key);

}  // namespace sealsync::op
