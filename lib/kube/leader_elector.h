// A LeaderElector lets one of several operator replicas lead, using a
// coordination.k8s.io/v1 Lease as the lock, with client-go leaderelection's
// semantics:
//
//   candidate  every retry period: read the Lease; take it (create it, or
//              Update it with its resourceVersion) if it does not exist, has
//              no holder, is held by us, or has expired. "Expired" is judged
//              on OUR clock: the Lease's spec has not changed for
//              leaseDurationSeconds since we first saw it as it is; the
//              holder's timestamps are never compared with our wall clock.
//              A 409 (kAborted) means another replica won the race.
//              -> leader on success (on_started_leading).
//   leader     every retry period: renew (renewTime = now). If no renewal
//              succeeds for renew_deadline, or another holder is seen,
//              -> candidate (on_stopped_leading). IsLeader() turns false
//              as soon as renew_deadline has passed since the last
//              successful renewal, even while a request still hangs.
//   stopping   when Run()'s `stop` becomes true: a leader calls
//              on_stopped_leading (its work stops first), then releases the
//              Lease (holderIdentity "", leaseDurationSeconds 1) so a
//              standby takes over at once, unless release_on_stop is false.
//              Run() returns.
//
// Safety needs lease_duration > renew_deadline (a leader stops acting
// before anyone may take over) and a Client whose request timeout is well
// under renew_deadline. Callbacks run on Run()'s thread and must not block:
// start work elsewhere in on_started_leading, stop it in
// on_stopped_leading. Thread-safe: IsLeader() and LeaderIdentity() may be
// called from any thread; Run(), Step() and Release() from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per replica, e.g. the pod name
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  bool release_on_stop = true;
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  // Called when the observed holder changes to a non-empty identity
  // (including ours).
  std::function<void(const std::string& identity)> on_new_leader;
  // Every failed Lease read or write except a lost race (for the
  // controller to log).
  std::function<void(const Error& error)> on_error;
};

class LeaderElector {
 public:
  // kInvalidArgument unless namespace, name and identity are set and
  // lease_duration > renew_deadline > retry_period > 0.
  static Result<std::unique_ptr<LeaderElector>> New(Client& client,
                                                    const Clock& clock,
                                                    LeaderElectionConfig config,
                                                    LeaderCallbacks callbacks);

  // Campaigns and leads until `stop` becomes true (see the states above).
  void Run(const std::atomic<bool>& stop);

  // One iteration of Run()'s loop: a single acquire-or-renew attempt, then
  // the leadership change and callbacks it implies. For tests that drive a
  // fake clock themselves. Returns IsLeader().
  bool Step();

  // Gives the Lease up if we hold it: holderIdentity "",
  // leaseDurationSeconds 1. Succeeds if released or not ours; an error
  // (kAborted on a lost race, API errors otherwise) if the write failed.
  // Does not fire callbacks; Run() calls it on stop.
  Result<void> Release();

  bool IsLeader() const;
  // The holder last seen on the Lease ("" if none or not yet read).
  std::string LeaderIdentity() const;

 private:
  LeaderElector(Client& client, const Clock& clock, LeaderElectionConfig config,
                LeaderCallbacks callbacks);

  // Reads the Lease and tries to make us its holder. Sets
  // held_by_other_ when a valid Lease of someone else was seen.
  bool TryAcquireOrRenew();
  // Remembers `lease` as the latest record seen, restarting the expiry
  // timer if its spec changed. Reports a new leader.
  void Observe(const Json& lease, Clock::TimePoint now);
  void StopLeading();
  void ReportError(const Error& error) const;
  // Sleeps until `deadline` on clock_ (in short real-time slices, so a fake
  // clock works too) or until `stop`.
  void WaitUntil(Clock::TimePoint deadline, const std::atomic<bool>& stop);

  Client& client_;
  const Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;

  // Run-thread state.
  std::optional<Json> observed_spec_;
  Clock::TimePoint observed_time_{};
  std::string reported_leader_;
  bool held_by_other_ = false;

  mutable std::mutex mu_;
  bool leader_ = false;
  Clock::TimePoint last_renew_{};
  std::string observed_holder_;
};

}  // namespace sealsync::kube
