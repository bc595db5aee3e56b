// KeyManager against the fake client (server-side apply included) with a
// fake clock and random source: first key, renewal, recipients published
// newest first, break-glass backups written before the key and kept for
// every key, a deleted key Secret written back from memory, unreadable key
// Secrets skipped. No control plane.
#include "operator/key_manager.h"

#include <gtest/gtest.h>

#include "lib/base/base64.h"
#include "lib/format/armor.h"
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

struct Keys : KeyCluster {
  X25519Identity break_glass = X25519Identity::Generate(random);
  KeyManager manager;

  explicit Keys(bool with_break_glass = false)
      : KeyCluster(11),
        manager(client, store, ring, clock, random,
                {kNs, 720h,
                 with_break_glass
                     ? std::optional<X25519Recipient>(break_glass.recipient())
                     : std::nullopt}) {}

  std::string Recipients() {
    auto cm = client.Object(kube::kConfigMaps,
                            {kNs, std::string(names::kRecipientsConfigMap)});
    return cm ? (*cm)["data"][std::string(names::kRecipientsDataKey)]
                    .get<std::string>()
              : "";
  }
  Json Backups() {
    auto cm = client.Object(kube::kConfigMaps,
                            {kNs, std::string(names::kKeyBackupConfigMap)});
    return cm ? (*cm)["data"] : Json::object();
  }
};

TEST(KeyManagerTest, FirstStartCreatesAKeyAndPublishesItsRecipient) {
  Keys k;
  auto next = k.manager.Rotate();
  ASSERT_TRUE(next.has_value()) << next.error().message();
  ASSERT_EQ(k.ring.Size(), 1u);
  auto key = *k.ring.Newest();
  EXPECT_EQ(**next, std::chrono::milliseconds(720h));
  auto secret = k.client.Object(
      kube::kSecrets, {kNs, std::string(names::kKeySecretPrefix) + key.key_id});
  ASSERT_TRUE(secret.has_value());
  EXPECT_NE(k.Recipients().find(key.identity.recipient().ToString()),
            std::string::npos);
  // Nothing is due a second time.
  k.Sync();
  ASSERT_TRUE(k.manager.Rotate().has_value());
  EXPECT_EQ(k.ring.Size(), 1u);
  EXPECT_EQ(k.client.CountCalls("create", "secrets"), 1);
}

TEST(KeyManagerTest, RenewalAddsANewestKeyAndKeepsTheOld) {
  Keys k;
  ASSERT_TRUE(k.manager.Rotate().has_value());
  std::string first = k.ring.Newest()->key_id;
  k.Sync();
  k.clock.Advance(721h);
  ASSERT_TRUE(k.manager.Rotate().has_value());
  ASSERT_EQ(k.ring.Size(), 2u);
  std::string second = k.ring.Newest()->key_id;
  EXPECT_NE(first, second);
  // Published newest first: developers seal to the first.
  std::string r = k.Recipients();
  EXPECT_LT(r.find(second), r.find(first)) << r;
}

TEST(KeyManagerTest, BreakGlassBackupOfEveryKeyIsKept) {
  Keys k(true);
  ASSERT_TRUE(k.manager.Rotate().has_value());
  std::string first = k.ring.Newest()->key_id;
  k.Sync();
  k.clock.Advance(721h);
  ASSERT_TRUE(k.manager.Rotate().has_value());
  std::string second = k.ring.Newest()->key_id;
  Json backups = k.Backups();
  ASSERT_TRUE(backups.contains(first + ".age")) << backups.dump();
  ASSERT_TRUE(backups.contains(second + ".age")) << backups.dump();
  // The offline identity opens the backup to the key's identity file.
  std::string armored = backups[first + ".age"];
  auto file = format::Dearmor(AsBytes(armored));
  ASSERT_TRUE(file.has_value());
  std::vector<X25519Identity> ids = {k.break_glass};
  std::vector<const AgeIdentity*> ptrs = {&ids[0]};
  auto opened = AgeDecrypt(*file, ptrs);
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  auto parsed = ParseIdentityFile(AsString(opened->plaintext));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)[0].recipient().KeyId(), first);
}

TEST(KeyManagerTest, NoKeyWithoutItsBackup) {
  Keys k(true);
  k.client.SetHook(
      [](const kube::testing::FakeCall& call) -> std::optional<Error> {
        if (call.resource == "configmaps" &&
            (call.verb == "patch" || call.verb == "create"))
          return Error(ErrorCode::kUnavailable, "etcd timeout");
        return std::nullopt;
      });
  auto r = k.manager.Rotate();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("key not created"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(k.client.CountCalls("create", "secrets"), 0);
  EXPECT_EQ(k.ring.Size(), 0u);
}

TEST(KeyManagerTest, ADeletedKeySecretIsWrittenBackFromMemory) {
  Keys k;
  ASSERT_TRUE(k.manager.Rotate().has_value());
  std::string id = k.ring.Newest()->key_id;
  std::string name = std::string(names::kKeySecretPrefix) + id;
  k.Sync();
  k.manager.Load();
  ASSERT_TRUE(k.client.Delete(kube::kSecrets, {kNs, name}).has_value());
  k.Sync();
  k.manager.Load();
  // Still decrypting with the key held in memory.
  EXPECT_EQ(k.ring.Size(), 1u);
  ASSERT_EQ(k.manager.Missing(), std::vector<std::string>{id});
  auto restored = k.manager.RestoreMissing();
  ASSERT_TRUE(restored.has_value()) << restored.error().message();
  EXPECT_EQ(*restored, 1);
  auto secret = k.client.Object(kube::kSecrets, {kNs, name});
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ((*secret)["metadata"]["annotations"]
                     [std::string(names::kKeyIdAnnotation)],
            id);
  k.Sync();
  k.manager.Load();
  EXPECT_TRUE(k.manager.Missing().empty());
}

TEST(KeyManagerTest, AnUnreadableKeySecretIsSkippedAndNamed) {
  Keys k;
  ASSERT_TRUE(k.manager.Rotate().has_value());
  k.client.Seed(kube::kSecrets,
                {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata",
                  {{"name", "sealsync-key-junk"},
                   {"namespace", kNs},
                   {"labels", {{names::kSealingKeyLabel, "true"}}}}},
                 {"data", {{names::kKeySecretDataKey, "bm90IGEga2V5"}}}});
  k.Sync();
  EXPECT_EQ(k.manager.Load(), 1);
  EXPECT_EQ(k.manager.Unreadable(),
            std::vector<std::string>{"sealsync-key-junk"});
  EXPECT_EQ(k.ring.Size(), 1u);
}

}  // namespace
}  // namespace sealsync::op
