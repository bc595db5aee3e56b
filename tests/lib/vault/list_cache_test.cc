// ListCache: one fetch shared by every caller it is fresh enough for; forced
// callers of one moment share exactly one fetch requested at or after it,
// and never one requested before it. FakeClock; no vault.
#include "lib/vault/list_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "tests/support/fake_clock.h"

namespace sealsync::vault {
namespace {

using namespace std::chrono_literals;
using sealsync::testing::FakeClock;

// A fetch that counts its calls and marks each list with the call number (in
// its path); `gate`, when set, holds the first call until it is released.
struct CountingFetch {
  const Clock& clock;
  std::atomic<int> calls{0};
  std::shared_future<void> gate;

  ListCache::Fetch Fn() {
    return [this](const std::shared_ptr<const SecretList>&,
                  const std::string&) -> Result<ListCache::Fetched> {
      const int n = ++calls;
      if (n == 1 && gate.valid()) gate.wait();
      auto l = std::make_shared<SecretList>();
      l->path = "/" + std::to_string(n);
      l->fetched = clock.Now();
      return ListCache::Fetched{std::move(l), "etag"};
    };
  }
};

const ListCache::Key kKey{"https://vault.example/api", "id", {}};

Freshness Forced(std::chrono::milliseconds max_age, Clock::TimePoint at) {
  Freshness f(max_age);
  f.requested_after = at;
  return f;
}

TEST(ListCache, ForcedSyncsOfOneMomentShareExactlyOneList) {
  FakeClock clock;
  ListCache cache(clock);
  CountingFetch fetch{clock};
  std::atomic<uint64_t> shared{0};
  // A timer refresh's list from before the force.
  ASSERT_TRUE(cache.Get(kKey, 1h, fetch.Fn(), shared));
  clock.Advance(5s);
  const auto forced_at = clock.Now();  // the force-sync value's first sight
  // 1,000 forced syncs of that value, arriving over 3 s, with sub-ms gaps
  // (the rounding that once made a second list).
  for (int i = 0; i < 1000; ++i) {
    auto l = cache.Get(kKey, Forced(1h, forced_at), fetch.Fn(), shared);
    ASSERT_TRUE(l) << i;
    EXPECT_EQ((*l)->path, "/2") << i << ": a list from before the force";
    clock.Advance(3ms + 300us);
  }
  EXPECT_EQ(fetch.calls.load(), 2) << "one list for the timer, one for all "
                                      "forced syncs";
  EXPECT_EQ(shared.load(), 999u);
}

TEST(ListCache, AForcedSyncDoesNotShareAListRequestedBeforeIt) {
  FakeClock clock;
  ListCache cache(clock);
  CountingFetch fetch{clock};
  std::atomic<uint64_t> shared{0};
  ASSERT_TRUE(cache.Get(kKey, 1h, fetch.Fn(), shared));
  clock.Advance(1ms);
  // Young by max_age, but requested before the force: read again.
  auto l = cache.Get(kKey, Forced(1h, clock.Now()), fetch.Fn(), shared);
  ASSERT_TRUE(l);
  EXPECT_EQ((*l)->path, "/2");
  // A caller without a force shares the newest.
  auto plain = cache.Get(kKey, 1h, fetch.Fn(), shared);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->path, "/2");
  EXPECT_EQ(fetch.calls.load(), 2);
}

// A list in flight that was requested before the force is not joined by the
// forced syncs: they get one list requested after it, whatever the timing of
// the threads (each arrives before, during or after that flight ends).
TEST(ListCache, ForcedSyncsDoNotJoinAFlightRequestedBeforeThem) {
  FakeClock clock;
  ListCache cache(clock);
  std::promise<void> release;
  CountingFetch fetch{clock, 0, release.get_future().share()};
  std::atomic<uint64_t> shared{0};
  auto timer = std::async(std::launch::async, [&] {
    return cache.Get(kKey, 1h, fetch.Fn(), shared);
  });
  // The timer's fetch has started (it holds the gate) before the force.
  while (fetch.calls.load() == 0) std::this_thread::yield();
  clock.Advance(1s);
  const auto forced_at = clock.Now();
  constexpr int kForced = 8;
  std::vector<std::future<Result<std::shared_ptr<const SecretList>>>> forced;
  for (int i = 0; i < kForced; ++i)
    forced.push_back(std::async(std::launch::async, [&] {
      return cache.Get(kKey, Forced(1h, forced_at), fetch.Fn(), shared);
    }));
  release.set_value();
  auto t = timer.get();
  ASSERT_TRUE(t);
  EXPECT_EQ((*t)->path, "/1");
  for (auto& f : forced) {
    auto l = f.get();
    ASSERT_TRUE(l);
    EXPECT_EQ((*l)->path, "/2") << "a forced sync got the list in flight "
                                   "before it was asked for";
  }
  EXPECT_EQ(fetch.calls.load(), 2);
}

}  // namespace
}  // namespace sealsync::vault
