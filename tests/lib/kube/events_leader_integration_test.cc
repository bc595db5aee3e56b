// EventRecorder and LeaderElector against a real kube-apiserver: the API
// accepts our events.k8s.io/v1 Events and series patches (validation of
// eventTime, note length, reportingController ...), and two electors on one
// Lease fail over within the lease duration after a crash and at once
// after a release. Failover times are printed and recorded as test
// properties.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "lib/kube/event_recorder.h"
#include "lib/kube/leader_elector.h"
#include "tests/support/control_plane.h"
#include "tests/support/eventually.h"

namespace sealsync::kube {
namespace {

using sealsync::testing::Eventually;

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

int64_t Millis(Steady::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::vector<Json> EventsIn(Client& client, const std::string& ns) {
  auto list = client.List(kEvents, ns, {});
  EXPECT_TRUE(list.has_value()) << list.error().message();
  return list ? list->items : std::vector<Json>{};
}

TEST(EventsIntegration, EventIsCreatedThenExtendedAsASeries) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  auto client = cp->NewClient();
  std::string ns = cp->NewNamespace("events");
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "target"}, {"namespace", ns}}}};
  auto created = client->Create(kConfigMaps, cm);
  ASSERT_TRUE(created.has_value()) << created.error().message();
  ObjectReference ref = ObjectReference::Of(*created);
  ASSERT_FALSE(ref.uid.empty());

  std::mutex mu;
  std::vector<std::string> errors;
  EventRecorderOptions options;
  options.reporting_instance = "sealsync-test-pod";
  EventRecorder recorder(*client, SystemClock(), options, [&](const Error& e) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(e.message());
  });
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(recorder.Record(ref, EventType::kWarning, "DecryptFailed",
                                "Unseal", "header MAC failed"));
  }
  recorder.Flush();
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_TRUE(errors.empty()) << errors.front();
  }

  auto events = EventsIn(*client, ns);
  ASSERT_EQ(events.size(), 1u);
  const Json& e = events[0];
  EXPECT_EQ(e["regarding"]["uid"], ref.uid);
  EXPECT_EQ(e["regarding"]["kind"], "ConfigMap");
  EXPECT_EQ(e["regarding"]["name"], "target");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "DecryptFailed");
  EXPECT_EQ(e["note"], "header MAC failed");
  EXPECT_EQ(e["reportingController"], "sealsync");
  EXPECT_EQ(e["reportingInstance"], "sealsync-test-pod");
  ASSERT_TRUE(e.contains("series")) << e.dump();
  EXPECT_EQ(e["series"]["count"], 3);
  EXPECT_TRUE(e["series"]["lastObservedTime"].is_string());
  EXPECT_GE(e["series"]["lastObservedTime"].get<std::string>(),
            e["eventTime"].get<std::string>());

  // The same Event, through the core v1 API.
  Resource core_events{"", "v1", "events", true};
  auto core = client->Get(core_events, {ns, e["metadata"]["name"]});
  ASSERT_TRUE(core.has_value()) << core.error().message();
  EXPECT_EQ((*core)["involvedObject"]["uid"], ref.uid);
  EXPECT_EQ((*core)["series"]["count"], 3) << core->dump();
  EXPECT_EQ((*core)["reportingComponent"], "sealsync");

  // A 3000-byte note is cut to the API's 1024-byte limit, so the API
  // accepts it (it refuses longer notes with 422).
  ASSERT_TRUE(recorder.Record(ref, EventType::kNormal, "Long", "Unseal",
                              std::string(3000, 'n')));
  recorder.Flush();
  auto stats = recorder.stats();
  EXPECT_EQ(stats.write_errors, 0u);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.series_updates, 2u);
  events = EventsIn(*client, ns);
  ASSERT_EQ(events.size(), 2u);
  for (const Json& ev : events) {
    if (ev["reason"] == "Long") {
      EXPECT_EQ(ev["note"].get<std::string>().size(), 1024u);
    }
  }
}

// One replica: a client with a short request timeout (well under the renew
// deadline), an elector and the thread running it.
struct Candidate {
  Candidate(testing::ControlPlane* cp, const std::string& ns,
            const std::string& identity, bool release_on_stop) {
    auto config = LoadKubeconfig({cp->kubeconfig(), ""});
    EXPECT_TRUE(config.has_value());
    config->timeout = 1s;
    client = std::move(*NewClient(*config));
    LeaderElectionConfig lc;
    lc.lease_namespace = ns;
    lc.lease_name = "sealsync-leader";
    lc.identity = identity;
    lc.lease_duration = 3s;
    lc.renew_deadline = 2s;
    lc.retry_period = 500ms;
    lc.release_on_stop = release_on_stop;
    LeaderCallbacks cb;
    cb.on_started_leading = [this] { ++started; };
    cb.on_stopped_leading = [this] { ++stopped; };
    auto e = LeaderElector::New(*client, SystemClock(), lc, cb);
    EXPECT_TRUE(e.has_value());
    elector = std::move(*e);
    thread = std::thread([this] { elector->Run(stop); });
  }
  ~Candidate() { Stop(); }
  void Stop() {
    stop = true;
    if (thread.joinable()) thread.join();
  }

  std::unique_ptr<Client> client;
  std::unique_ptr<LeaderElector> elector;
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::thread thread;
};

int Leaders(const Candidate& a, const Candidate& b) {
  return int{a.elector->IsLeader()} + int{b.elector->IsLeader()};
}

// Starts two candidates, checks that exactly one leads for `sample`, then
// stops the leader and returns how long the other took to lead (or -1).
int64_t Failover(testing::ControlPlane* cp, bool release_on_stop,
                 std::chrono::milliseconds takeover_deadline) {
  auto admin = cp->NewClient();
  std::string ns = cp->NewNamespace(release_on_stop ? "lease-rel" : "lease");
  Candidate a(cp, ns, "replica-a", release_on_stop);
  Candidate b(cp, ns, "replica-b", release_on_stop);
  EXPECT_TRUE(Eventually([&] { return Leaders(a, b) == 1; }, 15s));

  // Exactly one leader at every sampled moment, for several renewals.
  int samples = 0, bad = 0;
  auto until = Steady::now() + 3s;
  while (Steady::now() < until) {
    ++samples;
    if (Leaders(a, b) != 1) ++bad;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(bad, 0) << "of " << samples << " samples";
  EXPECT_EQ(a.started + b.started, 1);

  Candidate& leader = a.elector->IsLeader() ? a : b;
  Candidate& standby = &leader == &a ? b : a;
  std::string standby_id = &standby == &a ? "replica-a" : "replica-b";
  auto before = admin->Get(kLeases, {ns, "sealsync-leader"});
  EXPECT_TRUE(before.has_value());

  // Stop the leader's Run(): it renews no more (with release_on_stop it
  // first gives the Lease up).
  auto stopped_at = Steady::now();
  leader.Stop();
  EXPECT_EQ(leader.stopped, 1);
  EXPECT_FALSE(leader.elector->IsLeader());
  bool took_over = Eventually(
      [&] {
        EXPECT_LE(Leaders(a, b), 1);
        return standby.elector->IsLeader();
      },
      takeover_deadline);
  int64_t ms = Millis(Steady::now() - stopped_at);
  EXPECT_TRUE(took_over);

  auto after = admin->Get(kLeases, {ns, "sealsync-leader"});
  EXPECT_TRUE(after.has_value());
  if (before && after) {
    EXPECT_EQ((*after)["spec"]["holderIdentity"], standby_id);
    EXPECT_EQ((*after)["spec"]["leaseTransitions"].get<int>(),
              (*before)["spec"]["leaseTransitions"].get<int>() + 1);
    EXPECT_EQ((*after)["spec"]["leaseDurationSeconds"], 3);
  }
  EXPECT_EQ(standby.elector->LeaderIdentity(), standby_id);
  return took_over ? ms : -1;
}

TEST(LeaderIntegration, StandbyTakesOverWithinTheLeaseDurationAfterACrash) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  // Lease 3 s + one retry period (0.5 s) + slack for a busy machine.
  int64_t ms = Failover(cp, /*release_on_stop=*/false, 6s);
  std::cout << "[ measure  ] takeover after crash: " << ms << " ms\n";
  RecordProperty("takeover_after_crash_ms", std::to_string(ms));
  ASSERT_GE(ms, 0);
  // Not before the lease could have expired: the leader last renewed at
  // most one retry period before it stopped, and the standby counts 3 s
  // from when it saw that renewal.
  EXPECT_GE(ms, 2500 - 100);
  EXPECT_LE(ms, 3000 + 500 + 1500);
}

TEST(LeaderIntegration, StandbyTakesOverAtOnceAfterARelease) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  int64_t ms = Failover(cp, /*release_on_stop=*/true, 6s);
  std::cout << "[ measure  ] takeover after release: " << ms << " ms\n";
  RecordProperty("takeover_after_release_ms", std::to_string(ms));
  ASSERT_GE(ms, 0);
  // One retry period plus a request or two, not a lease duration.
  EXPECT_LE(ms, 1500);
}

}  // namespace
}  // namespace sealsync::kube
