// LeaderElector with a fake client and fake clocks (one per replica): the
// Lease it writes, renewal, expiry judged on the candidate's own clock,
// lost races, the renew deadline, release, and Run()'s stop paths. Real
// API server behaviour is in events_leader_integration_test.cc.
#include "lib/kube/leader_elector.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/lib/kube/fake_client.h"
#include "tests/support/eventually.h"

namespace sealsync::kube {
namespace {

using sealsync::testing::Eventually;

using namespace std::chrono_literals;
using sealsync::testing::FakeClock;
using testing::FakeCall;
using testing::FakeClient;

constexpr char kNs[] = "sealsync-system";
constexpr char kName[] = "sealsync-leader";

LeaderElectionConfig Config(const std::string& identity) {
  LeaderElectionConfig c;
  c.lease_namespace = kNs;
  c.lease_name = kName;
  c.identity = identity;
  return c;  // 15 s lease, 10 s renew deadline, 2 s retry
}

// A replica: its own clock, elector and callback record.
struct Replica {
  Replica(FakeClient& client, const std::string& identity,
          LeaderElectionConfig config = {}) {
    if (config.identity.empty()) config = Config(identity);
    LeaderCallbacks cb;
    cb.on_started_leading = [this] { ++started; };
    cb.on_stopped_leading = [this] { ++stopped; };
    cb.on_new_leader = [this](const std::string& id) {
      std::lock_guard<std::mutex> lock(mu);
      leaders.push_back(id);
    };
    auto e = LeaderElector::New(client, clock, config, cb);
    EXPECT_TRUE(e.has_value());
    elector = std::move(*e);
  }
  std::vector<std::string> Leaders() {
    std::lock_guard<std::mutex> lock(mu);
    return leaders;
  }

  FakeClock clock;
  std::unique_ptr<LeaderElector> elector;
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::mutex mu;
  std::vector<std::string> leaders;
};

Json LeaseSpec(FakeClient& client) {
  auto lease = client.Get(kLeases, {kNs, kName});
  return lease ? (*lease)["spec"] : Json();
}

TEST(LeaderElector, RejectsUnsafeConfig) {
  struct Case {
    std::string name;
    LeaderElectionConfig config;
  };
  std::vector<Case> cases;
  auto add = [&](std::string name, auto mutate) {
    LeaderElectionConfig c = Config("a");
    mutate(c);
    cases.push_back({std::move(name), c});
  };
  add("no identity", [](auto& c) { c.identity.clear(); });
  add("no name", [](auto& c) { c.lease_name.clear(); });
  add("no namespace", [](auto& c) { c.lease_namespace.clear(); });
  add("lease <= renew", [](auto& c) { c.renew_deadline = 15s; });
  add("renew <= retry", [](auto& c) { c.retry_period = 10s; });
  add("zero retry", [](auto& c) { c.retry_period = 0s; });
  FakeClient client;
  FakeClock clock;
  for (const auto& c : cases) {
    auto e = LeaderElector::New(client, clock, c.config, {});
    ASSERT_FALSE(e.has_value()) << c.name;
    EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument) << c.name;
  }
  EXPECT_TRUE(LeaderElector::New(client, clock, Config("a"), {}).has_value());
}

TEST(LeaderElector, AcquiresAMissingLease) {
  FakeClient client;
  Replica a(client, "a");
  EXPECT_TRUE(a.elector->Step());
  EXPECT_TRUE(a.elector->IsLeader());
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(a.Leaders(), std::vector<std::string>{"a"});
  EXPECT_EQ(a.elector->LeaderIdentity(), "a");
  Json spec = LeaseSpec(client);
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["acquireTime"], "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(spec["renewTime"], spec["acquireTime"]);
  EXPECT_EQ(client.CountCalls("create", "leases"), 1);
}

TEST(LeaderElector, LeaderRenewsKeepingAcquireTime) {
  FakeClient client;
  Replica a(client, "a");
  ASSERT_TRUE(a.elector->Step());
  for (int i = 0; i < 3; ++i) {
    a.clock.Advance(2s);
    EXPECT_TRUE(a.elector->Step());
  }
  Json spec = LeaseSpec(client);
  EXPECT_EQ(spec["renewTime"], "2024-05-01T12:00:06.000000Z");
  EXPECT_EQ(spec["acquireTime"], "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(a.started, 1);
  EXPECT_EQ(a.stopped, 0);
  EXPECT_EQ(client.CountCalls("update", "leases"), 3);
}

TEST(LeaderElector, StandbyTakesOverOnlyAfterTheLeaseExpires) {
  FakeClient client;
  Replica a(client, "a");
  Replica b(client, "b");
  ASSERT_TRUE(a.elector->Step());
  EXPECT_FALSE(b.elector->Step());  // b first sees a's Lease now
  EXPECT_EQ(b.Leaders(), std::vector<std::string>{"a"});
  EXPECT_EQ(b.elector->LeaderIdentity(), "a");
  // a crashes: no more renewals.
  b.clock.Advance(14s);
  EXPECT_FALSE(b.elector->Step());
  b.clock.Advance(1s);  // 15 s since b saw the Lease change
  EXPECT_TRUE(b.elector->Step());
  EXPECT_EQ(b.started, 1);
  EXPECT_EQ((b.Leaders()), (std::vector<std::string>{"a", "b"}));
  Json spec = LeaseSpec(client);
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  EXPECT_EQ(spec["acquireTime"], spec["renewTime"]);

  // a comes back: it sees b holding a valid Lease and stops at once.
  a.clock.Advance(2s);
  EXPECT_FALSE(a.elector->Step());
  EXPECT_EQ(a.stopped, 1);
  EXPECT_FALSE(a.elector->IsLeader());
  EXPECT_EQ(LeaseSpec(client)["holderIdentity"], "b");
}

TEST(LeaderElector, ExpiryIsJudgedOnOwnClockNotOnTheHoldersTimestamps) {
  FakeClient client;
  // A Lease whose holder's clock is far behind ours (or which was renewed
  // long ago by wall time): the timestamps alone would say "expired".
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", kName}, {"namespace", kNs}}},
                {"spec",
                 {{"holderIdentity", "other"},
                  {"leaseDurationSeconds", 15},
                  {"acquireTime", "2000-01-01T00:00:00.000000Z"},
                  {"renewTime", "2000-01-01T00:00:00.000000Z"},
                  {"leaseTransitions", 4}}}};
  ASSERT_TRUE(client.Create(kLeases, lease).has_value());
  Replica b(client, "b");
  EXPECT_FALSE(b.elector->Step());
  b.clock.Advance(14900ms);
  EXPECT_FALSE(b.elector->Step());
  b.clock.Advance(100ms);
  EXPECT_TRUE(b.elector->Step());
  EXPECT_EQ(LeaseSpec(client)["leaseTransitions"], 5);
}

TEST(LeaderElector, EveryRenewalRestartsTheStandbysTimer) {
  FakeClient client;
  Replica a(client, "a");
  Replica b(client, "b");
  ASSERT_TRUE(a.elector->Step());
  EXPECT_FALSE(b.elector->Step());
  for (int i = 0; i < 5; ++i) {  // 50 s: far past one lease duration
    a.clock.Advance(10s);
    ASSERT_TRUE(a.elector->Step());
    b.clock.Advance(10s);
    EXPECT_FALSE(b.elector->Step()) << i;
  }
  EXPECT_EQ(b.started, 0);
}

TEST(LeaderElector, AConflictMeansSomeoneElseWon) {
  FakeClient client;
  Replica b(client, "b");
  Replica c(client, "c");
  // Both see an expired, empty Lease ...
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", kName}, {"namespace", kNs}}},
                {"spec", {{"holderIdentity", ""}}}};
  ASSERT_TRUE(client.Create(kLeases, lease).has_value());
  // ... and c's write lands between b's read and b's write.
  std::atomic<bool> raced{false};
  client.SetHook([&](const FakeCall& call) -> std::optional<Error> {
    if (call.verb == "update" && call.body["spec"]["holderIdentity"] == "b" &&
        !raced.exchange(true)) {
      EXPECT_TRUE(c.elector->Step());
    }
    return std::nullopt;
  });
  EXPECT_FALSE(b.elector->Step());
  EXPECT_TRUE(raced);
  EXPECT_EQ(b.started, 0);
  EXPECT_TRUE(c.elector->IsLeader());
  EXPECT_EQ(LeaseSpec(client)["holderIdentity"], "c");
  // b's next attempt sees c's valid Lease and does not write.
  b.clock.Advance(2s);
  int updates = client.CountCalls("update");
  EXPECT_FALSE(b.elector->Step());
  EXPECT_EQ(client.CountCalls("update"), updates);
}

TEST(LeaderElector, LosesLeadershipWhenRenewalFailsForTheRenewDeadline) {
  FakeClient client;
  std::mutex mu;
  std::vector<Error> errors;
  LeaderCallbacks cb;
  int started = 0, stopped = 0;
  cb.on_started_leading = [&] { ++started; };
  cb.on_stopped_leading = [&] { ++stopped; };
  cb.on_error = [&](const Error& e) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(e);
  };
  FakeClock clock;
  auto a = *LeaderElector::New(client, clock, Config("a"), cb);
  ASSERT_TRUE(a->Step());
  client.SetHook([](const FakeCall&) -> std::optional<Error> {
    return Error(ErrorCode::kUnavailable, "connection refused");
  });
  for (int i = 0; i < 4; ++i) {  // 2, 4, 6, 8 s: still within 10 s
    clock.Advance(2s);
    EXPECT_TRUE(a->Step()) << i;
  }
  EXPECT_EQ(stopped, 0);
  clock.Advance(2s);
  // IsLeader() is false at the deadline even before the next attempt ends.
  EXPECT_FALSE(a->IsLeader());
  EXPECT_FALSE(a->Step());
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(started, 1);
  EXPECT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].code(), ErrorCode::kUnavailable);
  EXPECT_NE(errors[0].message().find("Lease sealsync-system/sealsync-leader"),
            std::string::npos);

  // When the API server is back, the Lease (still ours, unexpired to
  // nobody else here) is taken again.
  client.SetHook(nullptr);
  clock.Advance(2s);
  EXPECT_TRUE(a->Step());
  EXPECT_EQ(started, 2);
}

TEST(LeaderElector, ReleaseLetsAStandbyTakeOverAtOnce) {
  FakeClient client;
  Replica a(client, "a");
  Replica b(client, "b");
  ASSERT_TRUE(a.elector->Step());
  EXPECT_FALSE(b.elector->Step());
  auto released = a.elector->Release();
  ASSERT_TRUE(released.has_value()) << released.error().message();
  EXPECT_FALSE(a.elector->IsLeader());
  Json spec = LeaseSpec(client);
  EXPECT_EQ(spec["holderIdentity"], "");
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_EQ(spec["leaseTransitions"], 0);
  // No time passes on b's clock.
  EXPECT_TRUE(b.elector->Step());
  EXPECT_EQ(LeaseSpec(client)["leaseTransitions"], 1);
  // Releasing a Lease that is not ours leaves it alone.
  ASSERT_TRUE(a.elector->Release().has_value());
  EXPECT_EQ(LeaseSpec(client)["holderIdentity"], "b");
}

TEST(LeaderElector, RunReleasesOnStopUnlessToldNot) {
  for (bool release : {true, false}) {
    FakeClient client;
    LeaderElectionConfig config = Config("a");
    config.release_on_stop = release;
    Replica a(client, "a", config);
    std::atomic<bool> stop{false};
    std::thread run([&] { a.elector->Run(stop); });
    EXPECT_TRUE(Eventually([&] { return a.elector->IsLeader(); }));
    // The fake clock does not move: no renewal until it does.
    EXPECT_EQ(client.CountCalls("update"), 0);
    a.clock.Advance(2s);
    EXPECT_TRUE(Eventually([&] { return client.CountCalls("update") >= 1; }));
    stop = true;
    run.join();
    EXPECT_EQ(a.started, 1);
    EXPECT_EQ(a.stopped, 1);
    EXPECT_FALSE(a.elector->IsLeader());
    EXPECT_EQ(LeaseSpec(client)["holderIdentity"], release ? "" : "a")
        << release;
  }
}

}  // namespace
}  // namespace sealsync::kube
