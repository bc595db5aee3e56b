// WorkQueue: dedup, delay, per-key backoff, and one key never on two workers.
#include "lib/kube/work_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <optional>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/fake_clock.h"

namespace sealsync::kube {
namespace {

using namespace std::chrono_literals;

using sealsync::testing::Eventually;
using sealsync::testing::FakeClock;

// q.Get() on a thread of its own. The answer is read only through the future:
// nothing is shared with the worker, so a queue that wrongly answers early
// fails the test instead of racing with it.
std::future<std::optional<std::string>> GetAsync(WorkQueue& q) {
  return std::async(std::launch::async, [&q] { return q.Get(); });
}

// Shuts the queue down when a test ends, so a worker still waiting in Get()
// (the test failed) is released before its future is destroyed.
struct ShutDownAtExit {
  WorkQueue& q;
  ~ShutDownAtExit() { q.ShutDown(); }
};

// Whether `f` stays unanswered for a while: a short look, which can only
// pass wrongly (never fail wrongly) on a slow machine.
template <typename T>
bool StillWaiting(std::future<T>& f) {
  return f.wait_for(50ms) == std::future_status::timeout;
}

// The answer of `f`, failing the test if there is none within 10 s.
template <typename T>
T Answer(std::future<T>& f) {
  if (f.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "Get() did not return";
    return T{};
  }
  return f.get();
}

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
}

TEST(WorkQueue, KeyAddedWhileProcessingIsRequeuedAtDone) {
  WorkQueue q;
  q.Add("a");
  auto k = q.Get();
  ASSERT_EQ(k, "a");
  q.Add("a");              // a change arrives while "a" is processed
  EXPECT_EQ(q.Len(), 0u);  // not handed to a second worker
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);  // and not lost
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueue, LowPriorityKeysWaitBehindNormalOnes) {
  WorkQueue q;
  q.AddLowPriority("status-a");
  q.Add("a");
  q.AddLowPriority("status-b");
  q.Add("b");
  q.Add("status-a");  // already queued (low): keeps its place
  EXPECT_EQ(q.Len(), 4u);
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto k = q.Get();
    ASSERT_TRUE(k.has_value());
    order.push_back(*k);
    q.Done(*k);
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"a", "b", "status-a", "status-b"}));
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, LowPriorityAddWhileProcessingRequeuesLowAtDone) {
  WorkQueue q;
  q.Add("a");
  auto k = q.Get();
  ASSERT_EQ(k, "a");
  q.Add("a");             // an echo of the pass's own write
  q.AddLowPriority("a");  // the reconcile asks for a follow-up pass
  q.Add("b");
  EXPECT_EQ(q.Len(), 1u);  // "a" is still being processed
  q.Done("a");
  q.Add("c");
  EXPECT_EQ(q.Get(), "b");
  q.Done("b");
  EXPECT_EQ(q.Get(), "c");
  q.Done("c");
  EXPECT_EQ(q.Get(), "a");  // the follow-up, last
  q.Done("a");
  // Once handed out, a key added normally is normal again.
  q.AddLowPriority("x");
  q.Add("y");
  EXPECT_EQ(q.Get(), "y");
  EXPECT_EQ(q.Get(), "x");
  q.Add("x");
  q.Done("x");
  q.Add("z");
  q.Done("y");
  EXPECT_EQ(q.Get(), "x");  // FIFO in the normal lane: x re-queued first
}

TEST(WorkQueue, HeldLowLaneWaitsForReleaseEvenWhenIdle) {
  WorkQueue q;
  q.HoldLowPriority();
  q.AddLowPriority("status-a");
  q.Add("a");
  EXPECT_EQ(q.Get(), "a");
  q.Done("a");
  // Only a low key is queued: a worker waits instead of taking it.
  auto worker = GetAsync(q);
  ShutDownAtExit stop_worker{q};
  EXPECT_TRUE(StillWaiting(worker));
  q.Add("b");  // normal keys still pass the held lane
  EXPECT_EQ(Answer(worker), "b");
  q.Done("b");
  auto waiter = GetAsync(q);
  ShutDownAtExit stop_waiter{q};
  EXPECT_TRUE(StillWaiting(waiter));
  q.ReleaseLowPriority();  // wakes the waiting worker
  EXPECT_EQ(Answer(waiter), "status-a");
  q.Done("status-a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueue, DelayedKeysWaitForTheClock) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("a", 10s);
  q.AddAfter("a", 20s);  // the earlier due time is kept
  EXPECT_EQ(q.Len(), 0u);
  EXPECT_EQ(q.DelayedLen(), 1u);
  auto got = GetAsync(q);
  ShutDownAtExit stop{q};
  EXPECT_TRUE(StillWaiting(got));
  clock.Advance(10s);
  q.Poke();
  EXPECT_EQ(Answer(got), "a");
}

TEST(WorkQueue, AnEarlierDelayReplacesALaterOneOfTheSameKeyOnly) {
  FakeClock clock;
  WorkQueue q(clock);
  q.AddAfter("a", 20s);
  q.AddAfter("b", 5s);
  q.AddAfter("a", 3s);  // replaces a's 20 s; b keeps its 5 s
  EXPECT_EQ(q.DelayedLen(), 2u);
  auto got = GetAsync(q);
  ShutDownAtExit stop{q};
  clock.Advance(3s);
  q.Poke();
  EXPECT_EQ(Answer(got), "a");
  q.Done("a");
  EXPECT_EQ(q.DelayedLen(), 1u);
  auto next = GetAsync(q);
  EXPECT_TRUE(StillWaiting(next));
  clock.Advance(2s);
  q.Poke();
  EXPECT_EQ(Answer(next), "b");
  q.Done("b");
  // Promoted keys are forgotten: a new delay for "a" counts from now.
  q.AddAfter("a", 30s);
  EXPECT_EQ(q.DelayedLen(), 1u);
}

TEST(WorkQueue, RateLimitedBackoffDoublesAndForgetResets) {
  FakeClock clock;
  WorkQueue q(clock, {10ms, 1000ms, /*jitter=*/false});
  const std::vector<std::chrono::milliseconds> want = {10ms, 20ms, 40ms, 80ms};
  for (auto d : want) {
    q.AddRateLimited("a");
    clock.Advance(d - 1ms);
    q.Poke();
    EXPECT_EQ(q.Len(), 0u) << d.count();
    clock.Advance(1ms);
    EXPECT_EQ(q.Get(), "a") << d.count();
    q.Done("a");
  }
  EXPECT_EQ(q.Failures("a"), 4);
  for (int i = 0; i < 20; ++i) q.AddRateLimited("b");
  clock.Advance(1000ms);  // capped at max
  EXPECT_EQ(q.Get(), "b");
  q.Forget("a");
  EXPECT_EQ(q.Failures("a"), 0);
}

TEST(WorkQueue, BackoffJitterStaysWithinTenPercent) {
  FakeClock clock;
  WorkQueue q(clock, {1000ms, 60000ms, /*jitter=*/true});
  q.AddRateLimited("a");  // due in 1000..1100 ms
  clock.Advance(999ms);
  q.Poke();
  EXPECT_EQ(q.Len(), 0u);
  clock.Advance(101ms);
  EXPECT_EQ(q.Get(), "a");
}

TEST(WorkQueue, ShutDownReleasesWaiters) {
  WorkQueue q;
  auto got = GetAsync(q);
  EXPECT_TRUE(StillWaiting(got));
  q.ShutDown();
  ASSERT_EQ(got.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(got.get().has_value());
}

TEST(WorkQueue, OneKeyNeverOnTwoWorkersAtOnce) {
  WorkQueue q;
  std::mutex mu;
  std::map<std::string, int> active;
  std::atomic<bool> overlap{false};
  std::atomic<int> processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.Get()) {
        {
          std::lock_guard<std::mutex> l(mu);
          if (++active[*k] > 1) overlap = true;
        }
        std::this_thread::sleep_for(100us);
        {
          std::lock_guard<std::mutex> l(mu);
          --active[*k];
        }
        ++processed;
        q.Done(*k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.Add("k" + std::to_string(i % 5));
  // Wait until everything added has been processed at least once more.
  EXPECT_TRUE(
      Eventually([&] { return q.Len() == 0 && processed.load() >= 5; }, 20s));
  q.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 5);
}

}  // namespace
}  // namespace sealsync::kube
