// The operator binary against the real control plane: SealedSecrets become
// Secrets, drift is undone, bad input is refused precisely and nothing good
// is lost, keys and the API behave, two replicas elect one leader, SIGTERM
// loses nothing, and the canary value never leaks.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "lib/base/base64.h"
#include "sealsync/names.h"
#include "tests/operator/operator_env.h"
#include "tests/support/metrics_text.h"

namespace sealsync::testing {
namespace {

using kube::Json;
using namespace std::chrono_literals;

const kube::Resource kSealed{"sealsync.dev", "v1alpha1", "sealedsecrets", true};

// Asserts the canary reached none of the places a user could read it.
void ExpectNoCanary(OperatorEnv& env, const OperatorProcess& op) {
  EXPECT_EQ(op.Log().find(kCanary), std::string::npos)
      << "canary in the operator log";
  EXPECT_EQ(env.EventsText().find(kCanary), std::string::npos)
      << "canary in Events";
  auto list = env.client().List(kSealed, env.ns(), {});
  ASSERT_TRUE(list.has_value());
  for (const auto& o : list->items) {
    EXPECT_EQ(o.value("status", Json::object()).dump().find(kCanary),
              std::string::npos)
        << "canary in status";
  }
}

bool ReadyIs(OperatorEnv& env, const std::string& name,
             const std::string& status, const std::string& reason,
             const std::string& ns = "") {
  auto c = env.Ready(name, ns);
  return c && (*c)["status"] == status && (*c)["reason"] == reason;
}

TEST(OperatorIntegration, SealedSecretBecomesSecretAndDriftIsUndone) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start();
  ASSERT_TRUE(op) << "operator did not start";
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  Json ss = env.SealedSecret(
      "db", {{"password", std::string(kCanary)}, {"user", "admin"}}, *r);
  ss["spec"]["template"] = {{"type", "kubernetes.io/basic-auth"},
                            {"metadata", {{"labels", {{"app", "billing"}}}}}};
  ASSERT_TRUE(env.Apply(ss).has_value());
  ASSERT_TRUE(Eventually([&] {
    return env.SecretValue("db", "password") == std::string(kCanary);
  }));
  auto secret = env.client().Get(kube::kSecrets, {env.ns(), "db"});
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ((*secret)["type"], "kubernetes.io/basic-auth");
  EXPECT_EQ((*secret)["metadata"]["labels"]["app"], "billing");
  EXPECT_EQ(
      (*secret)["metadata"]["labels"][std::string(names::kManagedByLabel)],
      "sealsync");
  EXPECT_EQ((*secret)["metadata"]["ownerReferences"][0]["kind"],
            "SealedSecret");
  ASSERT_TRUE(Eventually([&] { return ReadyIs(env, "db", "True", "Synced"); }));
  auto obj = env.client().Get(kSealed, {env.ns(), "db"});
  EXPECT_EQ((*obj)["status"]["observedGeneration"],
            (*obj)["metadata"]["generation"]);
  EXPECT_EQ((*obj)["status"]["keyIds"][0], r->KeyId());

  // Deleted by hand: written again.
  ASSERT_TRUE(
      env.client().Delete(kube::kSecrets, {env.ns(), "db"}).has_value());
  EXPECT_TRUE(Eventually([&] {
    return env.SecretValue("db", "password") == std::string(kCanary);
  }));
  // Edited by hand (changed value, added key): restored exactly.
  ASSERT_TRUE(
      env.client()
          .MergePatch(kube::kSecrets, {env.ns(), "db"},
                      {{"data", {{"password", "aGFja2Vk"}, {"extra", "eA=="}}}})
          .has_value());
  EXPECT_TRUE(Eventually([&] {
    return env.SecretValue("db", "password") == std::string(kCanary) &&
           !env.SecretValue("db", "extra").has_value();
  }));
  // SealedSecret deleted: the garbage collector takes the Secret.
  ASSERT_TRUE(env.client().Delete(kSealed, {env.ns(), "db"}).has_value());
  EXPECT_TRUE(Eventually(
      [&] { return !env.SecretValue("db", "user").has_value(); }, 60s));
  ExpectNoCanary(env, *op);
}

TEST(OperatorIntegration, BadInputIsRefusedPreciselyAndNothingGoodIsLost) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start();
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  // A value sealed for namespace A copied into namespace B is refused there.
  Json good = env.SealedSecret("app", {{"token", std::string(kCanary)}}, *r);
  ASSERT_TRUE(env.Apply(good).has_value());
  ASSERT_TRUE(
      Eventually([&] { return ReadyIs(env, "app", "True", "Synced"); }));
  Json elsewhere = good;
  elsewhere["metadata"]["namespace"] = env.ns2();
  ASSERT_TRUE(env.Apply(elsewhere).has_value());
  ASSERT_TRUE(Eventually([&] {
    return ReadyIs(env, "app", "False", "ScopeMismatch", env.ns2());
  }));
  EXPECT_FALSE(env.SecretValue("app", "token", env.ns2()).has_value());
  // Strict scope binds the name too.
  Json copied = good;
  copied["metadata"]["name"] = "app-copy";
  ASSERT_TRUE(env.Apply(copied).has_value());
  ASSERT_TRUE(Eventually(
      [&] { return ReadyIs(env, "app-copy", "False", "ScopeMismatch"); }));
  auto msg = env.Ready("app-copy")->value("message", "");
  EXPECT_NE(msg.find("strict " + env.ns() + "/app"), std::string::npos) << msg;
  EXPECT_NE(msg.find("spec.encryptedData.token"), std::string::npos) << msg;
  EXPECT_FALSE(env.SecretValue("app-copy", "token").has_value());

  // Tampered after a good sync: Ready=False DecryptFailed, Secret kept.
  Json tampered = good;
  std::string v = tampered["spec"]["encryptedData"]["token"];
  auto bytes = Base64Decode(v);
  bytes->at(bytes->size() - 2) ^= 1;
  tampered["spec"]["encryptedData"]["token"] = Base64Encode(*bytes);
  ASSERT_TRUE(env.Apply(tampered).has_value());
  ASSERT_TRUE(Eventually(
      [&] { return ReadyIs(env, "app", "False", "DecryptFailed"); }));
  EXPECT_EQ(env.SecretValue("app", "token"), std::string(kCanary));

  // Sealed for a key this operator does not hold: NoMatchingKey names it.
  X25519Identity stranger = X25519Identity::Generate(SystemRandom());
  ASSERT_TRUE(
      env.Apply(env.SealedSecret("alien", {{"k", "v"}}, stranger.recipient()))
          .has_value());
  ASSERT_TRUE(Eventually(
      [&] { return ReadyIs(env, "alien", "False", "NoMatchingKey"); }));
  EXPECT_NE(env.Ready("alien")
                ->value("message", "")
                .find(stranger.recipient().KeyId()),
            std::string::npos);

  // An existing Secret that is not ours is left alone: a SealedSecret
  // cannot consent for it. Someone who may write the Secret hands it over
  // with the owner annotation on the Secret.
  Json theirs = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "legacy"}, {"namespace", env.ns()}}},
                 {"stringData", {{"k", "theirs"}}}};
  ASSERT_TRUE(env.client().Create(kube::kSecrets, theirs).has_value());
  Json legacy = env.SealedSecret("legacy", {{"k", "ours"}}, *r);
  legacy["metadata"]["annotations"] = {{"sealsync.dev/adopt", "true"}};
  ASSERT_TRUE(env.Apply(legacy).has_value());
  ASSERT_TRUE(Eventually(
      [&] { return ReadyIs(env, "legacy", "False", "TargetNotOwned"); }));
  EXPECT_EQ(env.SecretValue("legacy", "k"), "theirs");
  EXPECT_NE(
      env.Ready("legacy")
          ->value("message", "")
          .find(std::string(names::kOwnerAnnotation) + "=SealedSecret/legacy"),
      std::string::npos);
  ASSERT_TRUE(env.client()
                  .MergePatch(kube::kSecrets, {env.ns(), "legacy"},
                              {{"metadata",
                                {{"annotations",
                                  {{std::string(names::kOwnerAnnotation),
                                    "SealedSecret/legacy"}}}}}})
                  .has_value());
  // The refused SealedSecret looks for consent again every 30 s.
  EXPECT_TRUE(Eventually(
      [&] { return env.SecretValue("legacy", "k") == "ours"; }, 60s));

  // Each failure produced a Warning Event with its reason.
  ASSERT_TRUE(Eventually([&] {
    std::string ev = env.EventsText();
    return ev.find("ScopeMismatch") != std::string::npos &&
           ev.find("DecryptFailed") != std::string::npos &&
           ev.find("NoMatchingKey") != std::string::npos;
  }));
  // Terminal errors wait for a change: no retry storm.
  // The terminal failures above were counted, so the series must be there: a
  // missing line is a failure, not two equal "unknown" readings.
  const std::string terminal =
      "sealsync_reconciles_total{controller=\"sealedsecret\",result="
      "\"terminal\"}";
  std::optional<double> before = MetricValue(op->Get("/metrics"), terminal);
  ASSERT_TRUE(before.has_value()) << op->Get("/metrics");
  EXPECT_GE(*before, 3);
  std::this_thread::sleep_for(2s);
  std::optional<double> after = MetricValue(op->Get("/metrics"), terminal);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(*before, *after);
  ExpectNoCanary(env, *op);
}

TEST(OperatorIntegration, KeysRecipientsApiAndAgeCliRecovery) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  X25519Identity glass = X25519Identity::Generate(SystemRandom());
  auto op =
      env.Start({"--break-glass-recipient", glass.recipient().ToString()});
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);

  // The key Secret lives in the operator's namespace; its identity, exported,
  // lets the stock age CLI decrypt a sealed value.
  auto keys = env.SealingKeySecrets();
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->items.size(), 1u);
  auto id_file =
      Base64Decode(keys->items[0]["data"][std::string(names::kKeySecretDataKey)]
                       .get<std::string>());
  std::string dir = cp->dir();
  std::ofstream(dir + "/exported-key.txt")
      << std::string(id_file->begin(), id_file->end());
  Json ss = env.SealedSecret("dr", {{"v", std::string(kCanary)}}, *r);
  auto file = Base64Decode(ss["spec"]["encryptedData"]["v"].get<std::string>());
  std::ofstream(dir + "/value.age", std::ios::binary)
      .write(reinterpret_cast<const char*>(file->data()), file->size());
  std::string out;
  ASSERT_EQ(
      RunCommand("age -d -i " + dir + "/exported-key.txt " + dir + "/value.age",
                 &out),
      0);
  EXPECT_EQ(out, kCanary);

  // Break-glass backup: decrypts with the offline identity to the same key.
  auto backup =
      env.client().Get(kube::kConfigMaps,
                       {env.op_ns(), std::string(names::kKeyBackupConfigMap)});
  ASSERT_TRUE(backup.has_value());
  std::string armored = (*backup)["data"][r->KeyId() + ".age"];
  const AgeIdentity* ids[] = {&glass};
  auto restored = AgeDecrypt(AsBytes(armored), ids);
  ASSERT_TRUE(restored.has_value()) << restored.error().message();
  auto parsed = ParseIdentityFile(AsString(restored->plaintext));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)[0].recipient().ToString(), r->ToString());

  // /v1/recipients matches the ConfigMap.
  long code = 0;
  Json rec = Json::parse(op->Get("/v1/recipients", &code));
  EXPECT_EQ(code, 200);
  EXPECT_EQ(rec["recipients"][0]["recipient"], r->ToString());
  EXPECT_NE(op->Get("/v1/recipients", &code, "text/plain").find(r->ToString()),
            std::string::npos);

  // /v1/verify: yes for a good one, no with the reason otherwise.
  Json v = Json::parse(op->Post("/v1/verify", ss.dump(), &code));
  EXPECT_EQ(code, 200);
  EXPECT_EQ(v["ok"], true);
  Json moved = ss;
  moved["metadata"]["namespace"] = "elsewhere";
  Json bad = Json::parse(op->Post("/v1/verify", moved.dump(), &code));
  EXPECT_EQ(bad["ok"], false);
  EXPECT_EQ(bad["reason"], "ScopeMismatch");
  EXPECT_EQ(bad.dump().find(kCanary), std::string::npos);

  // /v1/rewrap: same manifest, values re-sealed, still unsealable.
  Json rw = Json::parse(op->Post("/v1/rewrap", ss.dump(), &code));
  EXPECT_EQ(code, 200);
  EXPECT_NE(rw["spec"]["encryptedData"]["v"], ss["spec"]["encryptedData"]["v"]);
  EXPECT_EQ(rw["metadata"]["name"], "dr");
  ASSERT_TRUE(env.Apply(rw).has_value());
  EXPECT_TRUE(Eventually(
      [&] { return env.SecretValue("dr", "v") == std::string(kCanary); }));

  // Metrics are exposed.
  std::string m = op->Get("/metrics");
  for (const char* name :
       {"sealsync_reconciles_total",
        "sealsync_reconcile_duration_seconds_bucket", "sealsync_queue_depth",
        "sealsync_sealing_keys 1", "sealsync_newest_key_age_seconds"}) {
    EXPECT_NE(m.find(name), std::string::npos) << name;
  }
  ExpectNoCanary(env, *op);
}

TEST(OperatorIntegration, KeyRenewalKeepsOldKeysForDecryption) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  X25519Identity glass = X25519Identity::Generate(SystemRandom());
  auto op = env.Start({"--key-renewal", "3s", "--break-glass-recipient",
                       glass.recipient().ToString()});
  ASSERT_TRUE(op);
  ASSERT_TRUE(Eventually([&] { return env.Recipients().size() >= 2; }, 30s));
  auto rs = env.Recipients();
  X25519Recipient newest = rs.front(), oldest = rs.back();
  ASSERT_NE(newest.ToString(), oldest.ToString());
  // Every key keeps its break-glass backup: a renewal adds one, it does not
  // replace the ones before.
  auto backup =
      env.client().Get(kube::kConfigMaps,
                       {env.op_ns(), std::string(names::kKeyBackupConfigMap)});
  ASSERT_TRUE(backup.has_value());
  for (const auto& r : rs) {
    EXPECT_TRUE((*backup)["data"].contains(r.KeyId() + ".age"))
        << r.KeyId() << " has no backup: " << (*backup)["data"].dump();
  }
  // Newest first: the first recipient's key Secret is the most recent.
  auto keys = env.SealingKeySecrets();
  ASSERT_TRUE(keys.has_value());
  std::map<std::string, std::string> created;
  for (const auto& k : keys->items) {
    created[k["metadata"]["annotations"]
             [std::string(names::kKeyIdAnnotation)]] =
        k["metadata"]["annotations"][std::string(names::kKeyCreatedAnnotation)];
  }
  EXPECT_GE(created[newest.KeyId()], created[oldest.KeyId()]);
  // A value for the old key still works; so does one for the new key.
  ASSERT_TRUE(
      env.Apply(env.SealedSecret("old", {{"v", "1"}}, oldest)).has_value());
  ASSERT_TRUE(
      env.Apply(env.SealedSecret("new", {{"v", "2"}}, newest)).has_value());
  EXPECT_TRUE(Eventually([&] {
    return env.SecretValue("old", "v") == "1" &&
           env.SecretValue("new", "v") == "2";
  }));
}

// A deleted or corrupted key Secret (an admin mistake) must not cost the
// cluster its key: the running operator writes it back from memory, keeps
// decrypting, keeps publishing it, and counts the restore.
TEST(OperatorIntegration, DeletedOrCorruptedKeySecretIsRestored) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start();
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  ASSERT_TRUE(env.Apply(env.SealedSecret("db", {{"password", "pw-1"}}, *r))
                  .has_value());
  ASSERT_TRUE(Eventually([&] { return ReadyIs(env, "db", "True", "Synced"); }));
  auto keys = env.SealingKeySecrets();
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->items.size(), 1u);
  const std::string name = keys->items[0]["metadata"]["name"];
  const Json data = keys->items[0]["data"];
  auto restored = [&] {
    auto s = env.client().Get(kube::kSecrets, {env.op_ns(), name});
    return s.has_value() && (*s)["data"] == data;
  };
  ASSERT_TRUE(
      env.client().Delete(kube::kSecrets, {env.op_ns(), name}).has_value());
  EXPECT_TRUE(Eventually(restored)) << op->Log();
  ASSERT_TRUE(
      env.client()
          .MergePatch(
              kube::kSecrets, {env.op_ns(), name},
              {{"data",
                {{std::string(names::kKeySecretDataKey), "Z2FyYmFnZQ=="}}}})
          .has_value());
  EXPECT_TRUE(Eventually(restored)) << op->Log();
  // Still the published recipient, and still decrypting.
  auto rs = env.Recipients();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].ToString(), r->ToString());
  ASSERT_TRUE(env.Apply(env.SealedSecret("db2", {{"password", "pw-2"}}, *r))
                  .has_value());
  EXPECT_TRUE(
      Eventually([&] { return env.SecretValue("db2", "password") == "pw-2"; }));
  EXPECT_TRUE(ReadyIs(env, "db", "True", "Synced"));
  EXPECT_NE(
      op->Get("/metrics").find("sealsync_sealing_key_secrets_restored_total 2"),
      std::string::npos)
      << op->Get("/metrics");
  EXPECT_NE(op->Log().find("sealing key Secrets deleted or unreadable"),
            std::string::npos);
  // The platform team sees it where they look: a Warning Event on the key
  // Secret, naming it.
  EXPECT_TRUE(Eventually([&] {
    std::string events = env.EventsText(env.op_ns());
    return events.find("SealingKeyRestored") != std::string::npos &&
           events.find(name) != std::string::npos;
  })) << env.EventsText(env.op_ns());
  // A key Secret the operator never held and cannot parse is named too.
  Json junk = {{"apiVersion", "v1"},
               {"kind", "Secret"},
               {"metadata",
                {{"name", "sealsync-key-junk"},
                 {"namespace", env.op_ns()},
                 {"labels", {{std::string(names::kSealingKeyLabel), "true"}}}}},
               {"data", {{std::string(names::kKeySecretDataKey), "eA=="}}}};
  ASSERT_TRUE(env.client().Create(kube::kSecrets, junk).has_value());
  EXPECT_TRUE(Eventually([&] {
    return env.EventsText(env.op_ns()).find("SealingKeyUnreadable") !=
               std::string::npos &&
           op->Get("/metrics")
                   .find("sealsync_sealing_key_secrets_unreadable 1") !=
               std::string::npos;
  })) << env.EventsText(env.op_ns());
  EXPECT_EQ(env.Recipients().size(), 1u);  // nothing published for it
}

// The platform team may serve the API on the health port only (one port to
// guard) or not at all.
TEST(OperatorIntegration, ApiCanMoveToTheHealthPortOrBeOff) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto one = env.Start({"--serve-api", "health-port"});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->api, one->health);
  long code = 0;
  ASSERT_TRUE(Eventually([&] {
    std::string body = one->Get("/v1/recipients", &code);
    return code == 200 && body.find("age1") != std::string::npos;
  }));
  one->proc->Signal(SIGTERM);
  ASSERT_TRUE(one->proc->Wait(20s).has_value());

  auto off = env.Start({"--serve-api", "off"});
  ASSERT_TRUE(off);
  EXPECT_EQ(off->api, "off");
  OperatorProcess probe;  // the health port, asked for the API
  probe.health = probe.api = off->health;
  (void)probe.Get("/v1/recipients", &code);
  EXPECT_EQ(code, 404);
  (void)probe.Get("/healthz", &code);
  EXPECT_EQ(code, 200);
}

TEST(OperatorIntegration, TwoReplicasOneLeaderAndFailover) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto a = env.Start({}, "replica-a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(env.NewestRecipient());  // a leads and made the key
  auto b = env.Start({}, "replica-b");
  ASSERT_TRUE(b);
  auto leader_of = [](const OperatorProcess& p) {
    return p.Get("/readyz").find("leader") != std::string::npos;
  };
  ASSERT_TRUE(Eventually(
      [&] { return b->Get("/readyz").find("standby") != std::string::npos; }));
  EXPECT_TRUE(leader_of(*a));
  EXPECT_FALSE(leader_of(*b));

  // The leader dies without releasing the Lease: b takes over within the
  // lease duration (4 s here) and does the work.
  a->proc->Signal(SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return leader_of(*b); }, 20s));
  auto takeover = std::chrono::steady_clock::now() - killed;
  EXPECT_LT(takeover, 12s);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(
      env.Apply(env.SealedSecret("after", {{"v", "b"}}, *r)).has_value());
  EXPECT_TRUE(Eventually([&] { return env.SecretValue("after", "v") == "b"; }));
  std::cerr
      << "failover took "
      << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count()
      << " ms\n";
}

TEST(OperatorIntegration, SigtermMidWorkLosesNothing) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start();
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(env.Apply(env.SealedSecret("s" + std::to_string(i),
                                           {{"v", std::to_string(i)}}, *r))
                    .has_value());
    if (i == kCount / 2) op->proc->Signal(SIGTERM);  // mid-work
  }
  auto code = op->proc->Wait(30s);
  ASSERT_TRUE(code.has_value()) << "operator did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << op->Log();
  // The Lease was released: a new replica leads at once and finishes.
  auto next = env.Start();
  ASSERT_TRUE(next);
  EXPECT_TRUE(Eventually(
      [&] {
        for (int i = 0; i < kCount; ++i) {
          if (env.SecretValue("s" + std::to_string(i), "v") !=
              std::to_string(i))
            return false;
        }
        return true;
      },
      60s));
}

}  // namespace
}  // namespace sealsync::testing
