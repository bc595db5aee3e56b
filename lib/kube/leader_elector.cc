#include "lib/kube/leader_elector.h"

#include <algorithm>
#include <thread>

#include "lib/base/time_format.h"

namespace sealsync::kube {
namespace {

constexpr std::chrono::milliseconds kWaitSlice{20};

// Fields of a Lease spec; the cluster controls them, so wrong types read as
// absent rather than throwing.
std::string StringField(const Json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t IntField(const Json& spec, const char* key) {
  auto it = spec.find(key);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

const Json& SpecOf(const Json& lease) {
  static const Json kEmpty = Json::object();
  auto it = lease.find("spec");
  return it != lease.end() && it->is_object() ? *it : kEmpty;
}

// A metav1.MicroTime: RFC 3339 UTC with microseconds.
std::string MicroTime(std::chrono::system_clock::time_point t) {
  return FormatRfc3339(t, /*micros=*/true);
}

}  // namespace

Result<std::unique_ptr<LeaderElector>> LeaderElector::New(
    Client& client, const Clock& clock, LeaderElectionConfig config,
    LeaderCallbacks callbacks) {
  if (config.lease_namespace.empty() || config.lease_name.empty() ||
      config.identity.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "leader election needs a lease namespace, name and "
                     "identity");
  }
  if (!(config.retry_period.count() > 0 &&
        config.renew_deadline > config.retry_period &&
        config.lease_duration > config.renew_deadline)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "leader election needs lease duration > renew deadline "
                     "> retry period > 0");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(
      client, clock, std::move(config), std::move(callbacks)));
}

LeaderElector::LeaderElector(Client& client, const Clock& clock,
                             LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)) {}

bool LeaderElector::IsLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ && clock_.Now() - last_renew_ < config_.renew_deadline;
}

std::string LeaderElector::LeaderIdentity() const {
  std::lock_guard<std::mutex> lock(mu_);
  return observed_holder_;
}

void LeaderElector::ReportError(const Error& error) const {
  if (callbacks_.on_error) {
    callbacks_.on_error(error.Wrap("leader election on Lease " +
                                   config_.lease_namespace + "/" +
                                   config_.lease_name));
  }
}

void LeaderElector::Observe(const Json& lease, Clock::TimePoint now) {
  const Json& spec = SpecOf(lease);
  if (!observed_spec_ || *observed_spec_ != spec) {
    observed_spec_ = spec;
    observed_time_ = now;
  }
  std::string holder = StringField(spec, "holderIdentity");
  {
    std::lock_guard<std::mutex> lock(mu_);
    observed_holder_ = holder;
  }
  if (!holder.empty() && holder != reported_leader_) {
    reported_leader_ = holder;
    if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
  }
}

bool LeaderElector::TryAcquireOrRenew() {
  held_by_other_ = false;
  Clock::TimePoint now = clock_.Now();
  std::string wall_now = MicroTime(clock_.WallNow());
  Json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds", config_.lease_duration.count()},
               {"acquireTime", wall_now},
               {"renewTime", wall_now},
               {"leaseTransitions", 0}};
  ObjectKey key{config_.lease_namespace, config_.lease_name};

  auto got = client_.Get(kLeases, key);
  if (!got) {
    if (got.error().code() != ErrorCode::kNotFound) {
      ReportError(got.error());
      return false;
    }
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", key.name}, {"namespace", key.ns}}},
                  {"spec", spec}};
    auto created = client_.Create(kLeases, lease);
    if (!created) {
      // kAlreadyExists: another replica created it first.
      if (created.error().code() != ErrorCode::kAlreadyExists) {
        ReportError(created.error());
      }
      return false;
    }
    Observe(*created, now);
    return true;
  }

  Observe(*got, now);
  const Json& old = SpecOf(*got);
  std::string holder = StringField(old, "holderIdentity");
  auto duration = std::chrono::seconds(IntField(old, "leaseDurationSeconds"));
  bool valid = !holder.empty() && now < observed_time_ + duration;
  if (valid && holder != config_.identity) {
    held_by_other_ = true;
    return false;
  }
  if (holder == config_.identity) {
    if (old.contains("acquireTime")) spec["acquireTime"] = old["acquireTime"];
    spec["leaseTransitions"] = IntField(old, "leaseTransitions");
  } else {
    spec["leaseTransitions"] = IntField(old, "leaseTransitions") + 1;
  }
  Json lease = *got;
  if (!lease["spec"].is_object()) lease["spec"] = Json::object();
  lease["spec"].update(spec);  // keeps fields we do not know
  auto updated = client_.Update(kLeases, lease);
  if (!updated) {
    // kAborted: someone else wrote the Lease since we read it.
    if (updated.error().code() != ErrorCode::kAborted) {
      ReportError(updated.error());
    }
    return false;
  }
  Observe(*updated, now);
  return true;
}

void LeaderElector::StopLeading() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader_ = false;
  }
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

bool LeaderElector::Step() {
  Clock::TimePoint start = clock_.Now();
  bool ok = TryAcquireOrRenew();
  bool was_leader;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_leader = leader_;
    if (ok) {
      leader_ = true;
      // The attempt's start, not its end: others measure expiry from when
      // they saw our write, which is later.
      last_renew_ = start;
    }
  }
  if (ok && !was_leader) {
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
  } else if (!ok && was_leader) {
    if (held_by_other_ ||
        clock_.Now() - last_renew_ >= config_.renew_deadline) {
      StopLeading();
    }
  }
  return IsLeader();
}

Result<void> LeaderElector::Release() {
  ObjectKey key{config_.lease_namespace, config_.lease_name};
  std::string what = "could not release Lease " + key.ns + "/" + key.name;
  auto got = client_.Get(kLeases, key);
  if (!got) {
    if (got.error().code() == ErrorCode::kNotFound) return {};
    return std::unexpected(got.error().Wrap(what));
  }
  const Json& old = SpecOf(*got);
  if (StringField(old, "holderIdentity") != config_.identity) return {};
  std::string wall_now = MicroTime(clock_.WallNow());
  Json lease = *got;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["acquireTime"] = wall_now;
  lease["spec"]["renewTime"] = wall_now;
  lease["spec"]["leaseTransitions"] = IntField(old, "leaseTransitions");
  auto updated = client_.Update(kLeases, lease);
  if (!updated) return std::unexpected(updated.error().Wrap(what));
  {
    std::lock_guard<std::mutex> lock(mu_);
    leader_ = false;
  }
  Observe(*updated, clock_.Now());
  return {};
}

void LeaderElector::WaitUntil(Clock::TimePoint deadline,
                              const std::atomic<bool>& stop) {
  while (!stop.load()) {
    Clock::TimePoint now = clock_.Now();
    if (now >= deadline) return;
    std::this_thread::sleep_for(
        std::min<Clock::TimePoint::duration>(deadline - now, kWaitSlice));
  }
}

void LeaderElector::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    Clock::TimePoint next = clock_.Now() + config_.retry_period;
    Step();
    WaitUntil(next, stop);
  }
  bool was_leader;
  std::string holder;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_leader = leader_;
    holder = observed_holder_;
  }
  if (was_leader) StopLeading();
  if (config_.release_on_stop && (was_leader || holder == config_.identity)) {
    auto released = Release();
    if (!released && callbacks_.on_error) callbacks_.on_error(released.error());
  }
}

}  // namespace sealsync::kube
