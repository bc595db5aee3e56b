// EventRecorder: Event fields, de-duplication into series, rate limits,
// note truncation, the bounded queue and write errors (fake client, fake
// clock). The real API server's acceptance is in
// events_leader_integration_test.cc.
#include "lib/kube/event_recorder.h"

#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <thread>

#include "tests/lib/kube/fake_client.h"

namespace sealsync::kube {
namespace {

using namespace std::chrono_literals;
using sealsync::testing::FakeClock;
using testing::FakeClient;

ObjectReference SealedSecret(const std::string& name, const std::string& uid) {
  return {"sealsync.io/v1alpha1", "SealedSecret", "team-a", name, uid, "42"};
}

EventRecorderOptions Options() {
  EventRecorderOptions o;
  o.reporting_instance = "sealsync-7d9f-abcde";
  return o;
}

bool IsMicroTime(const Json& v) {
  static const std::regex re(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$)");
  return v.is_string() && std::regex_match(v.get<std::string>(), re);
}

TEST(EventRecorder, CreatesAnEventsV1Event) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  EXPECT_TRUE(recorder.Record(SealedSecret("db", "u-1"), EventType::kWarning,
                              "NoMatchingKey", "Unseal",
                              "no key of mine matches recipient age1xyz"));
  recorder.Flush();

  auto events = client.Objects(kEvents);
  ASSERT_EQ(events.size(), 1u);
  const Json& e = events[0];
  EXPECT_EQ(e["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(e["kind"], "Event");
  EXPECT_EQ(e["metadata"]["namespace"], "team-a");
  EXPECT_EQ(e["metadata"]["name"].get<std::string>().rfind("db.", 0), 0u);
  EXPECT_EQ(e["regarding"], (Json{{"apiVersion", "sealsync.io/v1alpha1"},
                                  {"kind", "SealedSecret"},
                                  {"namespace", "team-a"},
                                  {"name", "db"},
                                  {"uid", "u-1"},
                                  {"resourceVersion", "42"}}));
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "NoMatchingKey");
  EXPECT_EQ(e["action"], "Unseal");
  EXPECT_EQ(e["note"], "no key of mine matches recipient age1xyz");
  EXPECT_EQ(e["reportingController"], "sealsync");
  EXPECT_EQ(e["reportingInstance"], "sealsync-7d9f-abcde");
  EXPECT_EQ(e["eventTime"], "2024-05-01T12:00:00.000000Z");
  EXPECT_TRUE(IsMicroTime(e["eventTime"]));
  EXPECT_FALSE(e.contains("series"));
  EXPECT_EQ(recorder.stats().created, 1u);
}

TEST(EventRecorder, ClusterScopedObjectsGetEventsInDefault) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  recorder.Record({"v1", "Namespace", "", "team-a", "u-ns", "7"},
                  EventType::kNormal, "Synced", "Reconcile", "ok");
  recorder.Flush();
  auto events = client.Objects(kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["namespace"], "default");
  EXPECT_FALSE(events[0]["regarding"].contains("namespace"));
}

TEST(EventRecorder, RepeatsWithinTheWindowBecomeOneSeries) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  auto ref = SealedSecret("db", "u-1");
  for (int i = 0; i < 3; ++i) {
    recorder.Record(ref, EventType::kWarning, "DecryptFailed", "Unseal",
                    "header MAC failed");
    clock.Advance(4min);  // each repeat is within 10 min of the last
  }
  recorder.Flush();

  auto events = client.Objects(kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["series"]["count"], 3);
  // The third occurrence, 8 minutes after the first.
  EXPECT_EQ(events[0]["series"]["lastObservedTime"],
            "2024-05-01T12:08:00.000000Z");
  EXPECT_EQ(events[0]["eventTime"], "2024-05-01T12:00:00.000000Z");
  EXPECT_EQ(client.CountCalls("create", "events"), 1);
  EXPECT_EQ(client.CountCalls("patch", "events"), 2);
  auto stats = recorder.stats();
  EXPECT_EQ(stats.created, 1u);
  EXPECT_EQ(stats.series_updates, 2u);
}

TEST(EventRecorder, AnyDifferenceInTheKeyStartsANewEvent) {
  struct Case {
    std::string name;
    ObjectReference ref;
    EventType type;
    std::string reason;
    std::string note;
  };
  const auto base = SealedSecret("db", "u-1");
  const std::vector<Case> cases = {
      {"other object", SealedSecret("db", "u-2"), EventType::kWarning,
       "DecryptFailed", "bad"},
      {"other type", base, EventType::kNormal, "DecryptFailed", "bad"},
      {"other reason", base, EventType::kWarning, "NoMatchingKey", "bad"},
      {"other note", base, EventType::kWarning, "DecryptFailed", "worse"},
  };
  for (const auto& c : cases) {
    FakeClient client;
    FakeClock clock;
    EventRecorder recorder(client, clock, Options());
    recorder.Record(base, EventType::kWarning, "DecryptFailed", "Unseal",
                    "bad");
    recorder.Record(c.ref, c.type, c.reason, "Unseal", c.note);
    recorder.Flush();
    EXPECT_EQ(client.Objects(kEvents).size(), 2u) << c.name;
    EXPECT_EQ(client.CountCalls("patch"), 0) << c.name;
  }
}

TEST(EventRecorder, RepeatAfterTheWindowCreatesANewEvent) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  auto ref = SealedSecret("db", "u-1");
  recorder.Record(ref, EventType::kNormal, "Unsealed", "Unseal", "ok");
  clock.Advance(10min);
  recorder.Record(ref, EventType::kNormal, "Unsealed", "Unseal", "ok");
  recorder.Flush();
  auto events = client.Objects(kEvents);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0]["metadata"]["name"], events[1]["metadata"]["name"]);
  EXPECT_EQ(client.CountCalls("patch"), 0);
}

TEST(EventRecorder, SeriesStartsAgainWhenItsEventIsGone) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  auto ref = SealedSecret("db", "u-1");
  recorder.Record(ref, EventType::kNormal, "Unsealed", "Unseal", "ok");
  recorder.Flush();
  auto first = client.Objects(kEvents).at(0);
  ASSERT_TRUE(client.Delete(kEvents, {"team-a", first["metadata"]["name"]})
                  .has_value());  // Events expire after an hour
  clock.Advance(1min);
  recorder.Record(ref, EventType::kNormal, "Unsealed", "Unseal", "ok");
  recorder.Flush();
  auto events = client.Objects(kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].contains("series"));
  EXPECT_EQ(recorder.stats().created, 2u);
  EXPECT_EQ(recorder.stats().write_errors, 0u);
}

TEST(EventRecorder, PerObjectBucketDropsBeyondBurstAndRefills) {
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  auto noisy = SealedSecret("noisy", "u-1");
  int accepted = 0;
  for (int i = 0; i < 30; ++i) {
    accepted += recorder.Record(noisy, EventType::kWarning, "Failed",
                                "Reconcile", "attempt " + std::to_string(i));
  }
  EXPECT_EQ(accepted, 25);
  EXPECT_EQ(recorder.stats().dropped_rate_limited, 5u);
  // Another object has its own bucket.
  EXPECT_TRUE(recorder.Record(SealedSecret("quiet", "u-2"), EventType::kNormal,
                              "Synced", "Reconcile", "ok"));
  // One token comes back per 5 minutes.
  clock.Advance(4min);
  EXPECT_FALSE(recorder.Record(noisy, EventType::kWarning, "Failed",
                               "Reconcile", "later"));
  clock.Advance(1min);
  EXPECT_TRUE(recorder.Record(noisy, EventType::kWarning, "Failed", "Reconcile",
                              "later"));
  EXPECT_FALSE(recorder.Record(noisy, EventType::kWarning, "Failed",
                               "Reconcile", "later"));
  recorder.Flush();
  auto stats = recorder.stats();
  EXPECT_EQ(stats.dropped_rate_limited, 7u);
  EXPECT_EQ(stats.created + stats.series_updates, 27u);
  EXPECT_EQ(client.Objects(kEvents).size(), 27u);
}

TEST(EventRecorder, GlobalBucketCapsAllObjectsTogether) {
  FakeClient client;
  FakeClock clock;
  EventRecorderOptions o = Options();
  o.global_burst = 10;
  o.global_refill = 1s;
  EventRecorder recorder(client, clock, o);
  int accepted = 0;
  for (int i = 0; i < 15; ++i) {
    std::string n = std::to_string(i);
    accepted +=
        recorder.Record(SealedSecret("s" + n, "u" + n), EventType::kNormal,
                        "Synced", "Reconcile", "ok");
  }
  EXPECT_EQ(accepted, 10);
  clock.Advance(1s);
  EXPECT_TRUE(recorder.Record(SealedSecret("late", "u-late"),
                              EventType::kNormal, "Synced", "Reconcile", "ok"));
  recorder.Flush();
  EXPECT_EQ(recorder.stats().dropped_rate_limited, 5u);
  EXPECT_EQ(client.Objects(kEvents).size(), 11u);
}

TEST(EventRecorder, ANoisyNamespaceCannotSilenceAnother) {
  // A tenant whose namespace holds hundreds of failing objects takes its
  // namespace's share; the Events of another namespace still get through.
  FakeClient client;
  FakeClock clock;
  EventRecorder recorder(client, clock, Options());
  int noisy_accepted = 0;
  for (int i = 0; i < 600; ++i) {
    std::string n = std::to_string(i);
    noisy_accepted +=
        recorder.Record(SealedSecret("s" + n, "u" + n), EventType::kWarning,
                        "DecryptFailed", "Reconcile", "tampered");
  }
  EXPECT_EQ(noisy_accepted, Options().namespace_burst);
  ObjectReference victim{
      "sealsync.io/v1alpha1", "SealedSecret", "team-b", "db", "u-victim", "1"};
  EXPECT_TRUE(recorder.Record(victim, EventType::kWarning, "TargetNotOwned",
                              "Reconcile", "the Secret is not ours"));
  recorder.Flush();
  EXPECT_EQ(client.Objects(kEvents).size(),
            static_cast<size_t>(Options().namespace_burst) + 1);
}

TEST(EventRecorder, NoteIsTruncatedTo1024BytesOnACharacterBoundary) {
  struct Case {
    std::string name;
    std::string note;
    size_t want_bytes;
  };
  const std::vector<Case> cases = {
      {"short", "fine", 4},
      {"exactly 1024", std::string(1024, 'x'), 1024},
      {"ascii over", std::string(3000, 'x'), 1024},
      // "é" is 2 bytes and would straddle byte 1024: it is left out whole.
      {"utf-8 straddling", std::string(1023, 'x') + "\xC3\xA9" + "tail", 1023},
      // "€" is 3 bytes ending exactly at byte 1024: kept.
      {"utf-8 fitting", std::string(1021, 'x') + "\xE2\x82\xAC" + "tail", 1024},
  };
  for (const auto& c : cases) {
    FakeClient client;
    FakeClock clock;
    EventRecorder recorder(client, clock, Options());
    recorder.Record(SealedSecret("db", "u-1"), EventType::kNormal, "Synced",
                    "Reconcile", c.note);
    recorder.Flush();
    auto events = client.Objects(kEvents);
    ASSERT_EQ(events.size(), 1u) << c.name;
    std::string note = events[0]["note"];
    EXPECT_EQ(note.size(), c.want_bytes) << c.name;
    EXPECT_EQ(note, c.note.substr(0, c.want_bytes)) << c.name;
  }
}

TEST(EventRecorder, FullQueueDropsInsteadOfBlocking) {
  FakeClient client;
  FakeClock clock;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  client.SetHook([&](const testing::FakeCall& call) -> std::optional<Error> {
    if (call.verb == "create" && first.exchange(false)) {
      entered.set_value();
      released.wait();  // the API server hangs
    }
    return std::nullopt;
  });
  EventRecorderOptions o = Options();
  o.queue_capacity = 2;
  EventRecorder recorder(client, clock, o);
  auto ref = [](int i) {
    return SealedSecret("s" + std::to_string(i), "u" + std::to_string(i));
  };
  ASSERT_TRUE(recorder.Record(ref(0), EventType::kNormal, "A", "B", "c"));
  entered.get_future().wait();  // the writer is stuck on event 0
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(recorder.Record(ref(1), EventType::kNormal, "A", "B", "c"));
  EXPECT_TRUE(recorder.Record(ref(2), EventType::kNormal, "A", "B", "c"));
  EXPECT_FALSE(recorder.Record(ref(3), EventType::kNormal, "A", "B", "c"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(recorder.stats().dropped_queue_full, 1u);
  release.set_value();
  recorder.Flush();
  EXPECT_EQ(recorder.stats().created, 3u);
  EXPECT_EQ(client.Objects(kEvents).size(), 3u);
}

TEST(EventRecorder, WriteErrorsAreCountedAndReported) {
  FakeClient client;
  FakeClock clock;
  client.SetHook([](const testing::FakeCall& call) -> std::optional<Error> {
    if (call.verb == "create") {
      return Error(ErrorCode::kUnavailable, "connection refused");
    }
    return std::nullopt;
  });
  std::mutex mu;
  std::vector<Error> errors;
  EventRecorder recorder(client, clock, Options(), [&](const Error& e) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(e);
  });
  recorder.Record(SealedSecret("db", "u-1"), EventType::kNormal, "Synced",
                  "Reconcile", "ok");
  recorder.Flush();
  EXPECT_EQ(recorder.stats().write_errors, 1u);
  EXPECT_EQ(recorder.stats().created, 0u);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), ErrorCode::kUnavailable);
  EXPECT_NE(errors[0].message().find("could not create Event team-a/db."),
            std::string::npos)
      << errors[0].message();
  EXPECT_NE(errors[0].message().find("SealedSecret team-a/db"),
            std::string::npos);
}

TEST(EventRecorder, ConcurrentCallersAreAllAccountedFor) {
  FakeClient client;
  FakeClock clock;
  EventRecorderOptions o = Options();
  o.global_burst = 1000;
  o.namespace_burst = 1000;  // all 160 calls are for one namespace
  EventRecorder recorder(client, clock, o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        // 8 objects, each hit 20 times: 25-token buckets never run dry.
        int obj = (t * 40 + i) % 8;
        recorder.Record(
            SealedSecret("s" + std::to_string(obj), "u" + std::to_string(obj)),
            EventType::kNormal, "Synced", "Reconcile", "ok");
      }
    });
  }
  for (auto& th : threads) th.join();
  recorder.Flush();
  auto stats = recorder.stats();
  EXPECT_EQ(stats.dropped_rate_limited + stats.dropped_queue_full, 0u);
  EXPECT_EQ(stats.created, 8u);           // one Event per object...
  EXPECT_EQ(stats.series_updates, 152u);  // ...and the rest as series
  int64_t total = 0;
  for (const Json& e : client.Objects(kEvents)) {
    total += e.contains("series") ? e["series"]["count"].get<int64_t>() : 1;
  }
  EXPECT_EQ(total, 160);
}

}  // namespace
}  // namespace sealsync::kube
