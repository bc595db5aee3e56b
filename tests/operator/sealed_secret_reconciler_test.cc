// SealedSecretReconciler against the fake client (server-side apply
// included): every condition reason, ownership and consent, drift, immutable
// Secrets, and the canary never leaving the Secret. One table; each row
// starts from a fresh cluster state. No control plane.
#include "operator/sealed_secret_reconciler.h"

#include <gtest/gtest.h>

#include <functional>

#include "lib/base/base64.h"
#include "operator/reasons.h"
#include "sealsync/names.h"
#include "sealsync/sealing.h"
#include "tests/fake_random.h"
#include "tests/lib/kube/fake_client.h"
#include "tests/operator/reconciler_fixture.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;
using namespace fixture;

constexpr std::string_view kCanary = "canary-7c1e-never-in-status";
constexpr char kNs[] = "team-a";

// One cluster: the fake API server, the caches as the watchers would fill
// them, and a key ring with one key.
struct Cluster {
  FakeClient client;
  FakeClock clock;
  testing::FakeRandom random{7};
  kube::Store sealed, secrets;
  KeyRing ring;
  X25519Identity key = X25519Identity::Generate(random);
  X25519Identity other = X25519Identity::Generate(random);
  SealedSecretReconciler reconciler{client, sealed, secrets, ring, clock};

  Cluster() { ring.Set({{key, "k1", clock.WallNow()}}); }

  std::string Seal(std::string_view value, const std::string& name,
                   const X25519Identity& to, std::string ns = kNs) {
    std::vector<X25519Recipient> rs = {to.recipient()};
    return *SealValue(AsBytes(value), rs, {Scope::kStrict, ns, name},
                      SealFormat::kAge, random);
  }
  // A SealedSecret "db" with `data`, stored in the API server and the cache.
  Json AddSealed(Json data, Json tmpl = nullptr) {
    Json obj = {{"apiVersion", "sealsync.dev/v1alpha1"},
                {"kind", "SealedSecret"},
                {"metadata", {{"name", "db"}, {"namespace", kNs}}},
                {"spec", {{"scope", "Strict"}, {"encryptedData", data}}}};
    if (!tmpl.is_null()) obj["spec"]["template"] = tmpl;
    obj = client.Seed(kSealedSecrets, obj);
    sealed.Upsert(obj);
    return obj;
  }
  Json AddGoodSealed() {
    return AddSealed({{"password", Seal(kCanary, "db", key)}});
  }
  // A Secret "db" someone else made (not in the cache: not labelled ours).
  Json AddForeignSecret(Json annotations = Json::object()) {
    return client.Seed(
        kube::kSecrets,
        {{"apiVersion", "v1"},
         {"kind", "Secret"},
         {"metadata",
          {{"name", "db"}, {"namespace", kNs}, {"annotations", annotations}}},
         {"data", {{"password", "b2xk"}}}},
        "kubectl");
  }
  // Reconciles db; the caches then see what the API server holds, as the
  // watchers would.
  Result<Action> Reconcile() {
    auto r = reconciler.Reconcile({}, {"", kNs, "db"});
    MirrorCaches(client, kSealedSecrets, {kNs, "db"}, sealed, "db", secrets);
    return r;
  }
  Json Ready() { return ReadyCondition(client, kSealedSecrets, {kNs, "db"}); }
  std::optional<std::string> Value(const std::string& key) {
    return SecretValue(client, {kNs, "db"}, key);
  }
};

struct Case {
  std::string name;
  std::function<void(Cluster&)> setup;
  std::string status;  // Ready status
  std::string_view reason;
  Outcome result;
  // What the Secret holds afterwards ("" = no Secret).
  std::string password;
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {"SyncedCreatesTheSecret", [](Cluster& c) { c.AddGoodSealed(); }, "True",
       reasons::kSynced, Outcome::kOk, std::string(kCanary)},
      {"NoMatchingKey",
       [](Cluster& c) {
         c.AddSealed({{"password", c.Seal(kCanary, "db", c.other)}});
       },
       "False", reasons::kNoMatchingKey, Outcome::kTerminal, ""},
      {"ScopeMismatch",
       [](Cluster& c) {
         c.AddSealed({{"password", c.Seal(kCanary, "db", c.key, "team-b")}});
       },
       "False", reasons::kScopeMismatch, Outcome::kTerminal, ""},
      {"MalformedValue",
       [](Cluster& c) {
         c.AddSealed({{"password", "not a sealed value"}});
       },
       "False", reasons::kMalformed, Outcome::kTerminal, ""},
      {"MalformedReservedTemplateLabel",
       [](Cluster& c) {
         c.AddSealed({{"password", c.Seal(kCanary, "db", c.key)}},
                     {{"metadata",
                       {{"annotations",
                         {{std::string(names::kOwnerAnnotation),
                           "SealedSecret/x"}}}}}});
       },
       "False", reasons::kMalformed, Outcome::kTerminal, ""},
      {"DecryptFailedWhenTampered",
       [](Cluster& c) {
         std::string v = c.Seal(kCanary, "db", c.key);
         auto bytes = Base64Decode(v);
         (*bytes)[bytes->size() - 5] ^= 1;  // inside the payload
         c.AddSealed({{"password", Base64Encode(*bytes)}});
       },
       "False", reasons::kDecryptFailed, Outcome::kTerminal, ""},
      {"TypeNotAllowed",
       [](Cluster& c) {
         c.AddSealed({{"password", c.Seal(kCanary, "db", c.key)}},
                     {{"type", "kubernetes.io/service-account-token"}});
       },
       "False", reasons::kTypeNotAllowed, Outcome::kTerminal, ""},
      {"TargetNotOwnedLeavesTheSecretAsItWas",
       [](Cluster& c) {
         c.AddForeignSecret();
         c.AddGoodSealed();
       },
       "False", reasons::kTargetNotOwned, Outcome::kDegraded, "old"},
      {"TargetNotOwnedWhenConsentNamesAnotherKind",
       [](Cluster& c) {
         c.AddForeignSecret(
             {{std::string(names::kOwnerAnnotation), "ExternalSecret/db"}});
         c.AddGoodSealed();
       },
       "False", reasons::kTargetNotOwned, Outcome::kDegraded, "old"},
      {"ConsentOnTheSecretHandsItOver",
       [](Cluster& c) {
         c.AddForeignSecret(
             {{std::string(names::kOwnerAnnotation), "SealedSecret/db"}});
         c.AddGoodSealed();
       },
       "True", reasons::kSynced, Outcome::kOk, std::string(kCanary)},
      {"WriteFailedKeepsNothingHalfDone",
       [](Cluster& c) {
         c.client.SetHook(
             [](const kube::testing::FakeCall& call) -> std::optional<Error> {
               if (call.verb == "create" && call.resource == "secrets")
                 return Error(ErrorCode::kUnavailable, "quota exceeded");
               return std::nullopt;
             });
         c.AddGoodSealed();
       },
       "False", reasons::kWriteFailed, Outcome::kTransient, ""},
  };
  return cases;
}

class SealedSecretReasons : public ::testing::TestWithParam<Case> {};

TEST_P(SealedSecretReasons, StatusEventAndSecret) {
  const Case& tc = GetParam();
  Cluster c;
  tc.setup(c);
  auto r = c.Reconcile();
  // A created Secret gets its status on the follow-up pass.
  if (r && r->follow_up) r = c.Reconcile();
  // The canary is in the Secret only: never in status or errors.
  auto obj = c.client.Object(kSealedSecrets, {kNs, "db"});
  ASSERT_TRUE(obj.has_value());
  ExpectReasonRow(r,
                  {tc.result, tc.status, std::string(tc.reason), tc.password},
                  c.Ready(), c.Value("password"), *obj, kCanary);
}

INSTANTIATE_TEST_SUITE_P(Table, SealedSecretReasons,
                         ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

TEST(SealedSecretReconcilerTest, DriftIsUndoneAndHandAddedKeysGo) {
  Cluster c;
  c.AddGoodSealed();
  ASSERT_TRUE(c.Reconcile().has_value());
  ASSERT_TRUE(c.Reconcile().has_value());
  // Someone edits the Secret: a changed value and an extra key.
  ASSERT_TRUE(
      c.client
          .MergePatch(kube::kSecrets, {kNs, "db"},
                      {{"data", {{"password", "aGFja2Vk"}, {"extra", "eA=="}}}})
          .has_value());
  c.secrets.Upsert(*c.client.Object(kube::kSecrets, {kNs, "db"}));
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_EQ(c.Value("password"), std::string(kCanary));
  EXPECT_FALSE(c.Value("extra").has_value());
  // Written with the operator's field manager, by server-side apply.
  auto owned = c.client.ManagedFields(kube::kSecrets, {kNs, "db"},
                                      std::string(names::kFieldManager));
  EXPECT_NE(std::find(owned.begin(), owned.end(), ".data.password"),
            owned.end());
  EXPECT_EQ(c.Ready()["reason"], reasons::kSynced);
}

TEST(SealedSecretReconcilerTest, AnImmutableSecretIsReplacedNotPatched) {
  Cluster c;
  c.AddSealed({{"password", c.Seal(kCanary, "db", c.key)}},
              {{"immutable", true}});
  ASSERT_TRUE(c.Reconcile().has_value());
  std::string uid =
      (*c.client.Object(kube::kSecrets, {kNs, "db"}))["metadata"]["uid"];
  // A new value for the same key: the Secret cannot change, so it goes.
  Json obj = *c.client.Object(kSealedSecrets, {kNs, "db"});
  obj["spec"]["encryptedData"]["password"] = c.Seal("v2", "db", c.key);
  obj["metadata"]["generation"] = 2;
  c.sealed.Upsert(c.client.Seed(kSealedSecrets, obj));
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_EQ(c.Value("password"), "v2");
  EXPECT_NE((*c.client.Object(kube::kSecrets, {kNs, "db"}))["metadata"]["uid"],
            uid);
  EXPECT_EQ(c.client.CountCalls("delete", "secrets"), 1);
}

TEST(SealedSecretReconcilerTest, NoMatchingKeyClearsWhenTheKeyArrives) {
  Cluster c;
  c.AddSealed({{"password", c.Seal(kCanary, "db", c.other)}});
  ASSERT_FALSE(c.Reconcile().has_value());
  EXPECT_EQ(c.Ready()["reason"], reasons::kNoMatchingKey);
  c.ring.Set(
      {{c.key, "k1", c.clock.WallNow()}, {c.other, "k2", c.clock.WallNow()}});
  auto r = c.Reconcile();
  if (r && r->follow_up) r = c.Reconcile();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(c.Ready()["reason"], reasons::kSynced);
  EXPECT_EQ(c.Value("password"), std::string(kCanary));
}

// The Event fix: an API failure was recorded as "Malformed" (the unseal
// reason derived from its code). It is WriteFailed, and status keeps the
// reason it had.
TEST(SealedSecretReconcilerTest, AnApiFailureIsNeverRecordedAsAnUnsealReason) {
  Cluster c;
  c.AddForeignSecret();
  c.AddGoodSealed();
  c.client.SetHook(
      [](const kube::testing::FakeCall& call) -> std::optional<Error> {
        if (call.verb == "get" && call.resource == "secrets")
          return Error(ErrorCode::kUnavailable, "connection refused");
        return std::nullopt;
      });
  auto r = c.Reconcile();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);  // retried
  EXPECT_EQ(r.error().reason(), reasons::kWriteFailed);
  EXPECT_EQ(reasons::kSealedSecretDefault, reasons::kWriteFailed);
  // The foreign Secret is untouched.
  EXPECT_EQ(c.Value("password"), "old");
}

TEST(SealedSecretReconcilerTest, ADeletedSealedSecretIsForgotten) {
  Cluster c;
  auto r = c.reconciler.Reconcile({}, {"", kNs, "gone"});
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->requeue_after.has_value());
  EXPECT_TRUE(c.client.Calls().empty());  // nothing written, nothing read
}

}  // namespace
}  // namespace sealsync::op
