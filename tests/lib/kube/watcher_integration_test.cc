// Watcher + Store against the real API server: the store converges to the
// server's state across an API server restart and across a forced 410 Gone,
// with no lost or duplicated objects; the first list reports its pages as
// they arrive, and a first list that fails half way is repaired.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "lib/kube/store.h"
#include "lib/kube/watcher.h"
#include "tests/support/control_plane.h"
#include "tests/support/eventually.h"

namespace sealsync::kube {
namespace {

using sealsync::testing::Eventually;

using namespace std::chrono_literals;

Json ConfigMap(const std::string& ns, const std::string& name,
               const std::string& v) {
  return {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"labels", {{"test", "watcher"}}}}},
      {"data", {{"v", v}}}};
}

// Creates ConfigMaps PREFIX0 .. PREFIX{n-1} (data.v = "1") in `ns`.
bool CreateConfigMaps(Client& c, const std::string& ns,
                      const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    if (!c.Create(kConfigMaps, ConfigMap(ns, prefix + std::to_string(i), "1")))
      return false;
  }
  return true;
}

// name -> data.v of the labelled ConfigMaps, from the server or the store.
std::map<std::string, std::string> ServerState(Client& c,
                                               const std::string& ns) {
  ListOptions o;
  o.label_selector = "test=watcher";
  auto l = c.List(kConfigMaps, ns, o);
  std::map<std::string, std::string> out;
  if (l) {
    for (const auto& i : l->items) out[i["metadata"]["name"]] = i["data"]["v"];
  }
  return out;
}

std::map<std::string, std::string> StoreState(const Store& s) {
  std::map<std::string, std::string> out;
  for (const auto& o : s.List())
    out[(*o)["metadata"]["name"]] = (*o)["data"]["v"];
  return out;
}

// Forwards every call to another Client; tests override what they break.
class ForwardingClient : public Client {
 public:
  explicit ForwardingClient(Client& inner) : inner_(inner) {}

  Result<Json> Get(const Resource& r, const ObjectKey& k) override {
    return inner_.Get(r, k);
  }
  Result<ListResult> List(const Resource& r, std::string_view ns,
                          const ListOptions& o) override {
    return inner_.List(r, ns, o);
  }
  Result<Json> Create(const Resource& r, const Json& o) override {
    return inner_.Create(r, o);
  }
  Result<Json> Update(const Resource& r, const Json& o, bool s) override {
    return inner_.Update(r, o, s);
  }
  Result<Json> MergePatch(const Resource& r, const ObjectKey& k, const Json& p,
                          bool s) override {
    return inner_.MergePatch(r, k, p, s);
  }
  Result<Json> Apply(const Resource& r, const Json& o, const ApplyOptions& a,
                     bool s) override {
    return inner_.Apply(r, o, a, s);
  }
  Result<void> Delete(const Resource& r, const ObjectKey& k,
                      const DeleteOptions& o) override {
    return inner_.Delete(r, k, o);
  }
  Result<void> Watch(const Resource& r, std::string_view ns,
                     const WatchOptions& o, const WatchHandler& h,
                     const std::atomic<bool>* stop) override {
    return inner_.Watch(r, ns, o, h, stop);
  }

 protected:
  Client& inner_;
};

// Lets a test end the current watch and hold the next one back, as a network
// partition would.
class PartitionClient final : public ForwardingClient {
 public:
  using ForwardingClient::ForwardingClient;
  void Cut() { cut_ = true; }
  void Heal() { cut_ = false; }
  bool watching() const { return watching_; }

  Result<void> Watch(const Resource& r, std::string_view ns,
                     const WatchOptions& o, const WatchHandler& h,
                     const std::atomic<bool>* stop) override {
    if (cut_) {
      std::this_thread::sleep_for(50ms);
      return MakeError(ErrorCode::kUnavailable, "partitioned");
    }
    // A private stop flag lets Cut() end the request at once.
    std::atomic<bool> local{false};
    std::thread ticker([&] {
      while (!local && !(stop && *stop)) {
        if (cut_) local = true;
        std::this_thread::sleep_for(20ms);
      }
      local = true;
    });
    watching_ = true;
    auto res = inner_.Watch(r, ns, o, h, &local);
    watching_ = false;
    local = true;
    ticker.join();
    return res;
  }

 private:
  std::atomic<bool> cut_{false};
  std::atomic<bool> watching_{false};
};

// The first request for a second page fails, after `before_failing` ran (a
// change the failed list therefore misses). Counts list requests and records
// each one's page size.
class SecondPageFailsOnce final : public ForwardingClient {
 public:
  SecondPageFailsOnce(Client& inner, std::function<void()> before_failing)
      : ForwardingClient(inner), before_failing_(std::move(before_failing)) {}

  Result<ListResult> List(const Resource& r, std::string_view ns,
                          const ListOptions& o) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      limits_.push_back(o.limit);
    }
    if (!o.continue_token.empty() && !failed_.exchange(true)) {
      before_failing_();
      return MakeError(ErrorCode::kUnavailable, "connection reset");
    }
    return inner_.List(r, ns, o);
  }
  std::vector<int64_t> limits() const {
    std::lock_guard<std::mutex> lock(mu_);
    return limits_;
  }

 private:
  std::function<void()> before_failing_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::vector<int64_t> limits_;
};

struct RunningWatcher {
  Store store;
  std::atomic<bool> stop{false};
  std::atomic<int> events{0};
  std::unique_ptr<Watcher> watcher;
  std::thread thread;

  RunningWatcher(Client& c, const std::string& ns) {
    WatchOptions sel;
    sel.label_selector = "test=watcher";
    watcher =
        std::make_unique<Watcher>(c, kConfigMaps, ns, sel, store,
                                  [this](WatchEventType, const std::string&,
                                         const ObjectPtr&) { ++events; });
    thread = std::thread([this] { watcher->Run(stop); });
  }
  ~RunningWatcher() {
    stop = true;
    thread.join();
  }
};

TEST(WatcherIntegration, ConvergesAcrossApiServerRestart) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  auto client = cp->NewClient();
  std::string ns = cp->NewNamespace("restart");
  ASSERT_TRUE(CreateConfigMaps(*client, ns, "a", 5));
  RunningWatcher w(*client, ns);
  ASSERT_TRUE(Eventually(
      [&] { return w.store.HasSynced() && w.store.Size() == 5; }, 60s));

  ASSERT_TRUE(cp->RestartApiServer());
  // Changes after the restart: the watcher must reconnect and resume.
  ASSERT_TRUE(CreateConfigMaps(*client, ns, "b", 5));
  ASSERT_TRUE(client->Delete(kConfigMaps, {ns, "a0"}).has_value());
  ASSERT_TRUE(
      client->MergePatch(kConfigMaps, {ns, "a1"}, {{"data", {{"v", "2"}}}})
          .has_value());
  auto want = ServerState(*client, ns);
  ASSERT_EQ(want.size(), 9u);
  EXPECT_TRUE(Eventually([&] { return StoreState(w.store) == want; }, 60s))
      << "store has " << w.store.Size() << " objects";
  EXPECT_GE(w.watcher->watches(), 2);
  // Listed and watched objects alike are cached without managedFields (the
  // API server sends them; the objects are otherwise complete).
  for (const auto& key : {ns + "/a2", ns + "/b0"}) {
    ObjectPtr o = w.store.Get(key);
    ASSERT_NE(o, nullptr) << key;
    EXPECT_FALSE((*o)["metadata"].contains("managedFields")) << key;
    EXPECT_TRUE((*o)["metadata"].contains("uid")) << key;
    EXPECT_EQ((*o)["data"].value("v", ""), "1") << key;
  }
  auto direct = client->Get(kConfigMaps, {ns, "b0"});
  ASSERT_TRUE(direct.has_value());
  EXPECT_TRUE((*direct)["metadata"].contains("managedFields"));
}

TEST(WatcherIntegration, RelistsAfterGoneWithoutLosingOrDuplicating) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  auto real = cp->NewClient();
  PartitionClient client(*real);
  std::string ns = cp->NewNamespace("gone");
  ASSERT_TRUE(CreateConfigMaps(*real, ns, "a", 5));
  RunningWatcher w(client, ns);
  ASSERT_TRUE(Eventually(
      [&] { return w.store.HasSynced() && client.watching(); }, 60s));
  ASSERT_EQ(w.watcher->lists(), 1);

  client.Cut();
  ASSERT_TRUE(Eventually([&] { return !client.watching(); }, 60s));
  // While the watcher is cut off: changes, then history compacted away.
  ASSERT_TRUE(real->Delete(kConfigMaps, {ns, "a0"}).has_value());
  ASSERT_TRUE(
      real->MergePatch(kConfigMaps, {ns, "a1"}, {{"data", {{"v", "2"}}}})
          .has_value());
  ASSERT_TRUE(CreateConfigMaps(*real, ns, "b", 3));
  ASSERT_TRUE(cp->CompactEtcd());
  // Restarting the API server empties its watch cache, so the only history
  // left is etcd's, which no longer has the watcher's version: 410 Gone.
  ASSERT_TRUE(cp->RestartApiServer());
  client.Heal();

  auto want = ServerState(*real, ns);
  ASSERT_EQ(want.size(), 7u);
  EXPECT_TRUE(Eventually([&] { return StoreState(w.store) == want; }, 60s));
  EXPECT_GE(w.watcher->lists(), 2)
      << "the watcher should have relisted after 410";
}

// 150 objects: the first list's first page is small (100), the second page
// holds the other 50. Page one is reported before the list has ended, and
// every object exactly once.
TEST(WatcherIntegration, FirstListReportsPageOneBeforeItEnds) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  auto client = cp->NewClient();
  std::string ns = cp->NewNamespace("pages");
  constexpr int kCount = 150;
  ASSERT_TRUE(CreateConfigMaps(*client, ns, "c", kCount));
  Store store;
  std::mutex mu;
  std::map<std::string, int> added;
  int before_synced = 0;
  std::atomic<bool> stop{false};
  WatchOptions sel;
  sel.label_selector = "test=watcher";
  Watcher watcher(
      *client, kConfigMaps, ns, sel, store,
      [&](WatchEventType t, const std::string& key, const ObjectPtr& obj) {
        std::lock_guard<std::mutex> lock(mu);
        if (t != WatchEventType::kAdded) return;
        ++added[key];
        // The reported object is already in the Store.
        EXPECT_EQ(store.Get(key), obj) << key;
        if (!store.HasSynced()) ++before_synced;
      });
  std::thread t([&] { watcher.Run(stop); });
  EXPECT_TRUE(Eventually([&] { return store.HasSynced(); }, 60s));
  stop = true;
  t.join();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(added.size(), static_cast<size_t>(kCount));
  for (const auto& [key, n] : added) EXPECT_EQ(n, 1) << key;
  EXPECT_EQ(before_synced, 100)
      << "page one (100 objects) should reach the workers before the list "
         "ends";
  EXPECT_EQ(store.Size(), static_cast<size_t>(kCount));
  EXPECT_EQ(watcher.lists(), 1);
}

// A first list whose second page fails leaves page one in the Store; an
// object deleted meanwhile must not stay there: the retry replaces the
// Store and reports the deletion.
TEST(WatcherIntegration, FirstListFailingHalfWayIsRepairedByTheRelist) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  auto real = cp->NewClient();
  std::string ns = cp->NewNamespace("halfway");
  ASSERT_TRUE(CreateConfigMaps(*real, ns, "c", 150));
  // Page one is sorted by name: c0 is on it.
  SecondPageFailsOnce client(*real, [&] {
    ASSERT_TRUE(real->Delete(kConfigMaps, {ns, "c0"}).has_value());
  });
  Store store;
  std::mutex mu;
  std::set<std::string> deleted;
  std::atomic<bool> stop{false};
  WatchOptions sel;
  sel.label_selector = "test=watcher";
  Watcher watcher(
      client, kConfigMaps, ns, sel, store,
      [&](WatchEventType t, const std::string& key, const ObjectPtr&) {
        std::lock_guard<std::mutex> lock(mu);
        if (t == WatchEventType::kDeleted) deleted.insert(key);
      });
  std::thread t([&] { watcher.Run(stop); });
  bool converged = Eventually(
      [&] {
        return store.HasSynced() && store.Size() == 149 &&
               StoreState(store) == ServerState(*real, ns);
      },
      60s);
  stop = true;
  t.join();
  EXPECT_TRUE(converged) << "store has " << store.Size() << " objects";
  EXPECT_EQ(store.Get(ns + "/c0"), nullptr);
  EXPECT_EQ(deleted, std::set<std::string>{ns + "/c0"});
  EXPECT_GE(watcher.lists(), 2);
  // The retry is a full relist in pages of 500 after the small first page.
  auto limits = client.limits();
  ASSERT_GE(limits.size(), 3u);
  EXPECT_EQ(limits[0], 100);
  EXPECT_EQ(limits[2], 500);
}

}  // namespace
}  // namespace sealsync::kube
