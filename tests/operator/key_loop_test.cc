// KeyLoop: the Events a leader records about its key Secrets
// (SealingKeyUnreadable, SealingKeyRestored), none on a standby, and the
// SealedSecrets queued again when the ring changes.
#include "operator/key_loop.h"

#include <gtest/gtest.h>

#include "operator/reasons.h"
#include "sealsync/names.h"
#include "tests/fake_random.h"
#include "tests/operator/reconciler_fixture.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;
using namespace std::chrono_literals;
using fixture::KeyCluster;

constexpr char kNs[] = "sealsync-system";

struct Loop : KeyCluster {
  Loop() : KeyCluster(5) {}
  KeyManager keys{client, store, ring, clock, random, {kNs, 720h, {}}};
  kube::EventRecorder recorder{client, clock, {.reporting_instance = "test"}};
  Registry metrics;
  bool leading = true;
  int ring_changes = 0;
  KeyLoop loop{keys,
               ring,
               recorder,
               metrics,
               kNs,
               [this] { return leading; },
               [this] { ++ring_changes; }};

  // Event reason -> regarding name, after every queued Event is written.
  std::multimap<std::string, std::string> Events() {
    recorder.Flush();
    std::multimap<std::string, std::string> out;
    for (const auto& e : client.Objects(kube::kEvents))
      out.emplace(e.value("reason", ""), e["regarding"].value("name", ""));
    return out;
  }
};

TEST(KeyLoopTest, ALeaderRestoresADeletedKeyAndSaysSo) {
  Loop l;
  ASSERT_TRUE(l.loop.Rotate().has_value());
  l.Sync();
  l.loop.Reload();
  EXPECT_EQ(l.ring_changes, 1);  // the first key: SealedSecrets look again
  std::string name =
      std::string(names::kKeySecretPrefix) + l.ring.Newest()->key_id;
  ASSERT_TRUE(l.client.Delete(kube::kSecrets, {kNs, name}).has_value());
  l.Sync();
  l.loop.Reload();
  EXPECT_TRUE(l.client.Object(kube::kSecrets, {kNs, name}).has_value());
  auto events = l.Events();
  ASSERT_EQ(events.count(std::string(reasons::kSealingKeyRestored)), 1u);
  EXPECT_EQ(events.find(std::string(reasons::kSealingKeyRestored))->second,
            name);
  EXPECT_EQ(l.ring_changes, 1);  // same keys: nothing to look at again
}

TEST(KeyLoopTest, UnreadableKeySecretsAreNamedOnlyByTheLeader) {
  for (bool leading : {true, false}) {
    Loop l;
    l.leading = leading;
    l.client.Seed(kube::kSecrets,
                  {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata",
                    {{"name", "sealsync-key-junk"},
                     {"namespace", kNs},
                     {"labels", {{names::kSealingKeyLabel, "true"}}}}},
                   {"data", {{names::kKeySecretDataKey, "bm90IGEga2V5"}}}});
    l.Sync();
    l.loop.Reload();
    auto events = l.Events();
    EXPECT_EQ(events.count(std::string(reasons::kSealingKeyUnreadable)),
              leading ? 1u : 0u)
        << "leading " << leading;
    EXPECT_NE(
        l.metrics.Render().find("sealsync_sealing_key_secrets_unreadable 1"),
        std::string::npos);
  }
}

}  // namespace
}  // namespace sealsync::op
