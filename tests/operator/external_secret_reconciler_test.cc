// ExternalSecretReconciler and StoreReconciler against the fake client
// (server-side apply included) and the in-memory vault: every condition
// reason of both, the creation and deletion policies, ownership and
// consent, drift, and the canary never leaving the Secret. Tables; each row
// starts from a fresh cluster state. No control plane.
#include "operator/external_secret_reconciler.h"

#include <gtest/gtest.h>

#include <functional>

#include "lib/base/base64.h"
#include "operator/login_consent.h"
#include "operator/reasons.h"
#include "operator/store_reconciler.h"
#include "sealsync/names.h"
#include "tests/fake_random.h"
#include "tests/lib/kube/fake_client.h"
#include "tests/lib/vault/fake_vault.h"
#include "tests/operator/reconciler_fixture.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;
using namespace std::chrono_literals;
using namespace fixture;

constexpr std::string_view kCanary = "canary-3f9a-never-in-status";
constexpr char kNs[] = "team-a";
constexpr char kHost[] = "https://vault.example";

std::string B64(std::string_view s) { return Base64Encode(AsBytes(s)); }

struct Cluster {
  FakeClient client;
  FakeClock clock;
  testing::FakeRandom random{3};
  vault::testing::FakeVault vault{clock};
  kube::Store externals, stores, cluster_stores, secrets;
  HostBulkhead hosts{2};
  ExternalSecretReconciler reconciler{
      client,
      {externals, stores, cluster_stores, secrets},
      vault,
      clock,
      random};
  StoreReconciler store_reconciler{client, stores, "SecretStore", vault,
                                   clock,  random, hosts};

  Cluster() {
    vault.Put("team-a", "dev", "/", "DB_PASS", std::string(kCanary));
    vault.Put("team-a", "dev", "/", "DB_JSON", R"({"user":"admin"})");
    client.Seed(
        kube::kSecrets,
        {{"apiVersion", "v1"},
         {"kind", "Secret"},
         {"metadata", {{"name", "creds"}, {"namespace", kNs}}},
         {"data", {{"clientId", B64("id")}, {"clientSecret", B64("secret")}}}});
  }
  // SecretStore "vault" (generation 1) with the status the store
  // controller would have written after validating it (or none yet).
  enum class Verdict { kReady, kNotReady, kNotValidated };
  void AddStore(Verdict verdict = Verdict::kReady,
                std::string secret_key = "clientSecret") {
    Json ref = {{"name", "creds"}, {"key", "clientId"}};
    Json sref = {{"name", "creds"}, {"key", secret_key}};
    Json store = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "SecretStore"},
        {"metadata",
         {{"name", "vault"}, {"namespace", kNs}, {"generation", 1}}},
        {"spec",
         {{"provider",
           {{"infisical",
             {{"hostAPI", kHost},
              {"auth",
               {{"universalAuthCredentials",
                 {{"clientId", ref}, {"clientSecret", sref}}}}},
              {"secretsScope",
               {{"projectSlug", "team-a"}, {"environmentSlug", "dev"}}}}}}}}}};
    if (verdict != Verdict::kNotValidated) {
      bool ready = verdict == Verdict::kReady;
      store["status"] = {
          {"observedGeneration", 1},
          {"conditions",
           {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}};
    }
    stores.Upsert(client.Seed(kSecretStores, store));
  }
  // ExternalSecret "app" -> Secret "app"; `data` spec.data, `target` merged
  // into spec.target.
  void AddExternal(Json data, Json target = Json::object(),
                   Json data_from = nullptr) {
    Json spec = {{"refreshInterval", "1h"},
                 {"secretStoreRef", {{"name", "vault"}}},
                 {"target", target},
                 {"data", data}};
    if (!data_from.is_null()) spec["dataFrom"] = data_from;
    Json es = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "ExternalSecret"},
        {"metadata", {{"name", "app"}, {"namespace", kNs}, {"generation", 1}}},
        {"spec", spec}};
    externals.Upsert(client.Seed(kExternalSecrets, es));
  }
  void AddGood(Json target = Json::object()) {
    AddStore();
    AddExternal(Json::array({{{"secretKey", "password"},
                              {"remoteRef", {{"key", "DB_PASS"}}}}}),
                target);
  }
  // A Secret "app" someone else made, with `annotations`.
  void AddForeignSecret(Json annotations = Json::object()) {
    client.Seed(
        kube::kSecrets,
        {{"apiVersion", "v1"},
         {"kind", "Secret"},
         {"metadata",
          {{"name", "app"}, {"namespace", kNs}, {"annotations", annotations}}},
         {"data", {{"password", B64("old")}, {"other", B64("keep")}}}},
        "kubectl");
  }
  Result<Action> Reconcile() {
    auto r = reconciler.Reconcile({}, {"", kNs, "app"});
    MirrorCaches(client, kExternalSecrets, {kNs, "app"}, externals, "app",
                 secrets);
    return r;
  }
  Json Ready(const kube::Resource& r, const std::string& name) {
    return ReadyCondition(client, r, {kNs, name});
  }
  std::optional<Json> Secret() {
    return client.Object(kube::kSecrets, {kNs, "app"});
  }
  std::optional<std::string> Value(const std::string& key) {
    return SecretValue(client, {kNs, "app"}, key);
  }
};

struct Case {
  std::string name;
  std::function<void(Cluster&)> setup;
  std::string status;
  std::string_view reason;
  Outcome outcome;
  // Secret "app" data.password afterwards; "" = no such key / Secret.
  std::string password;
};

const std::vector<Case>& ExternalCases() {
  static const std::vector<Case> cases = {
      {"SecretSynced", [](Cluster& c) { c.AddGood(); }, "True",
       reasons::kSecretSynced, Outcome::kOk, std::string(kCanary)},
      {"InvalidSpecPolicy",
       [](Cluster& c) {
         c.AddStore();
         c.AddExternal(Json::array(), {{"creationPolicy", "Sometimes"}});
       },
       "False", reasons::kInvalidSpec, Outcome::kTerminal, ""},
      {"StoreNotReadyMissingStore",
       [](Cluster& c) {
         c.AddExternal(Json::array({{{"secretKey", "password"},
                                     {"remoteRef", {{"key", "DB_PASS"}}}}}));
       },
       "False", reasons::kStoreNotReady, Outcome::kDegraded, ""},
      {"StoreNotReadyStoreFoundNotReady",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotReady);
         c.AddExternal(Json::array({{{"secretKey", "password"},
                                     {"remoteRef", {{"key", "DB_PASS"}}}}}));
       },
       "False", reasons::kStoreNotReady, Outcome::kDegraded, ""},
      // A store not yet validated is tried (its verdict requeues the
      // ExternalSecret): no StoreNotReady pass before the first sync.
      {"SecretSyncedStoreNotYetValidated",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated);
         c.AddExternal(Json::array({{{"secretKey", "password"},
                                     {"remoteRef", {{"key", "DB_PASS"}}}}}));
       },
       "True", reasons::kSecretSynced, Outcome::kOk, std::string(kCanary)},
      {"StoreNotReadyStoreNotYetValidatedCredentialKeyMissing",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated, "nope");
         c.AddExternal(Json::array({{{"secretKey", "password"},
                                     {"remoteRef", {{"key", "DB_PASS"}}}}}));
       },
       "False", reasons::kStoreNotReady, Outcome::kDegraded, ""},
      {"StoreNotReadyCredentialKeyMissing",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kReady, "nope");
         c.AddExternal(Json::array({{{"secretKey", "password"},
                                     {"remoteRef", {{"key", "DB_PASS"}}}}}));
       },
       "False", reasons::kStoreNotReady, Outcome::kDegraded, ""},
      {"SecretSyncedErrorKeyNotInVault",
       [](Cluster& c) {
         c.AddStore();
         c.AddExternal(Json::array(
             {{{"secretKey", "password"}, {"remoteRef", {{"key", "NOPE"}}}}}));
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretSyncedErrorVaultDown",
       [](Cluster& c) {
         c.AddGood();
         c.vault.Fail(Error(ErrorCode::kUnavailable, "503 from vault"));
       },
       "False", reasons::kSecretSyncedError, Outcome::kTransient, ""},
      {"SecretSyncedErrorVaultRateLimited",
       [](Cluster& c) {
         c.AddGood();
         c.vault.Fail(Error(ErrorCode::kResourceExhausted, "429"));
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretSyncedErrorPropertyOfANonJsonValue",
       [](Cluster& c) {
         c.AddStore();
         c.AddExternal(Json::array(
             {{{"secretKey", "password"},
               {"remoteRef", {{"key", "DB_PASS"}, {"property", "x"}}}}}));
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretSyncedErrorTemplateNamesAnUnknownKey",
       [](Cluster& c) {
         c.AddGood({{"template", {{"data", {{"url", "{{ .NOPE }}"}}}}}});
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretSyncedErrorRetainWithNothingInTheVault",
       [](Cluster& c) {
         c.AddStore();
         c.AddExternal(Json::array(), {{"deletionPolicy", "Retain"}},
                       {{{"find", {{"name", {{"regexp", "^NONE_"}}}}}}});
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretSyncedErrorMergeTargetMissing",
       [](Cluster& c) {
         c.AddGood({{"creationPolicy", "Merge"}});
       },
       "False", reasons::kSecretSyncedError, Outcome::kDegraded, ""},
      {"SecretDeletedWithDeletionPolicyDelete",
       [](Cluster& c) {
         c.AddForeignSecret(
             {{std::string(names::kOwnerAnnotation), "ExternalSecret/app"}});
         c.AddStore();
         c.AddExternal(Json::array(), {{"deletionPolicy", "Delete"}},
                       {{{"find", {{"name", {{"regexp", "^NONE_"}}}}}}});
       },
       "True", reasons::kSecretDeleted, Outcome::kOk, ""},
      {"TargetNotOwnedLeavesTheSecretAsItWas",
       [](Cluster& c) {
         c.AddForeignSecret();
         c.AddGood();
       },
       "False", reasons::kTargetNotOwned, Outcome::kDegraded, "old"},
      {"TargetNotOwnedForDeletion",
       [](Cluster& c) {
         c.AddForeignSecret();
         c.AddStore();
         c.AddExternal(Json::array(), {{"deletionPolicy", "Delete"}},
                       {{{"find", {{"name", {{"regexp", "^NONE_"}}}}}}});
       },
       "False", reasons::kTargetNotOwned, Outcome::kDegraded, "old"},
      {"TargetNotOwnedWhenConsentNamesAnotherKind",
       [](Cluster& c) {
         c.AddForeignSecret(
             {{std::string(names::kOwnerAnnotation), "SealedSecret/app"}});
         c.AddGood({{"creationPolicy", "Merge"}});
       },
       "False", reasons::kTargetNotOwned, Outcome::kDegraded, "old"},
      {"WriteFailed",
       [](Cluster& c) {
         c.AddGood();
         c.client.SetHook(
             [](const kube::testing::FakeCall& call) -> std::optional<Error> {
               if (call.verb == "create" && call.resource == "secrets")
                 return Error(ErrorCode::kUnavailable, "quota exceeded");
               return std::nullopt;
             });
       },
       "False", reasons::kWriteFailed, Outcome::kTransient, ""},
  };
  return cases;
}

class ExternalSecretReasons : public ::testing::TestWithParam<Case> {};

TEST_P(ExternalSecretReasons, StatusEventAndSecret) {
  const Case& tc = GetParam();
  Cluster c;
  tc.setup(c);
  auto r = c.Reconcile();
  auto obj = c.client.Object(kExternalSecrets, {kNs, "app"});
  ASSERT_TRUE(obj.has_value());
  ExpectReasonRow(
      r, {tc.outcome, tc.status, std::string(tc.reason), tc.password},
      c.Ready(kExternalSecrets, "app"), c.Value("password"), *obj, kCanary);
}

INSTANTIATE_TEST_SUITE_P(Table, ExternalSecretReasons,
                         ::testing::ValuesIn(ExternalCases()),
                         [](const auto& info) { return info.param.name; });

// creationPolicy: who owns the Secret, and what a Merge leaves alone.
TEST(ExternalSecretPolicies, CreationPolicies) {
  {
    Cluster c;
    c.AddGood();  // Owner
    ASSERT_TRUE(c.Reconcile());
    auto s = c.Secret();
    EXPECT_EQ((*s)["metadata"]["ownerReferences"][0]["kind"], "ExternalSecret");
    EXPECT_EQ(
        (*s)["metadata"]["annotations"][std::string(names::kOwnerAnnotation)],
        "ExternalSecret/app");
  }
  {
    Cluster c;
    c.AddGood({{"creationPolicy", "Orphan"}});
    ASSERT_TRUE(c.Reconcile());
    auto s = c.Secret();
    ASSERT_TRUE(s);
    EXPECT_FALSE((*s)["metadata"].contains("ownerReferences"));
    EXPECT_EQ(c.Value("password"), std::string(kCanary));
  }
  {
    Cluster c;
    c.AddForeignSecret(
        {{std::string(names::kOwnerAnnotation), "ExternalSecret/app"}});
    c.AddGood({{"creationPolicy", "Merge"}});
    ASSERT_TRUE(c.Reconcile());
    EXPECT_EQ(c.Value("password"), std::string(kCanary));
    EXPECT_EQ(c.Value("other"), "keep");  // not ours: kept
    auto s = c.Secret();
    EXPECT_FALSE((*s)["metadata"].contains("ownerReferences"));
    EXPECT_EQ(c.Ready(kExternalSecrets, "app")["reason"],
              reasons::kSecretSynced);
  }
  {
    Cluster c;
    c.AddGood({{"creationPolicy", "None"}});
    ASSERT_TRUE(c.Reconcile());
    EXPECT_FALSE(c.Secret().has_value());
    EXPECT_EQ(c.Ready(kExternalSecrets, "app")["reason"],
              reasons::kSecretSynced);
  }
}

TEST(ExternalSecretPolicies, DeletionPolicyMergeWritesTheSecretWithoutTheKeys) {
  Cluster c;
  c.AddStore();
  c.AddExternal(Json::array(), {{"deletionPolicy", "Merge"}},
                {{{"find", {{"name", {{"regexp", "^DB_"}}}}}}});
  ASSERT_TRUE(c.Reconcile());
  EXPECT_EQ(c.Value("DB_PASS"), std::string(kCanary));
  c.vault.Remove("team-a", "dev", "/", "DB_PASS");
  c.vault.Remove("team-a", "dev", "/", "DB_JSON");
  // A spec change asks for a fresh read (the status' sync version differs).
  Json es = *c.client.Object(kExternalSecrets, {kNs, "app"});
  es["metadata"]["generation"] = 2;
  c.externals.Upsert(c.client.Seed(kExternalSecrets, es));
  ASSERT_TRUE(c.Reconcile());
  ASSERT_TRUE(c.Secret().has_value());
  EXPECT_FALSE(c.Value("DB_PASS").has_value());
}

TEST(ExternalSecretDrift, AnEditedSecretIsWrittenBackAndTheRefreshIsJittered) {
  Cluster c;
  c.AddGood();
  auto first = c.Reconcile();
  ASSERT_TRUE(first);
  // Next refresh: one hour after the fetch, plus at most a tenth.
  ASSERT_TRUE(first->requeue_after);
  EXPECT_GE(*first->requeue_after, 1h);
  EXPECT_LE(*first->requeue_after, 66min);
  EXPECT_FALSE(c.Ready(kExternalSecrets, "app")["reason"].is_null());
  EXPECT_EQ((*c.client.Object(kExternalSecrets,
                              {kNs, "app"}))["status"]["refreshTime"],
            "2024-05-01T12:00:00Z");
  ASSERT_TRUE(c.client
                  .MergePatch(kube::kSecrets, {kNs, "app"},
                              {{"data", {{"password", B64("hacked")}}}})
                  .has_value());
  c.secrets.Upsert(*c.client.Object(kube::kSecrets, {kNs, "app"}));
  ASSERT_TRUE(c.Reconcile());
  EXPECT_EQ(c.Value("password"), std::string(kCanary));
  auto owned = c.client.ManagedFields(kube::kSecrets, {kNs, "app"},
                                      std::string(names::kFieldManager));
  EXPECT_NE(std::find(owned.begin(), owned.end(), ".data.password"),
            owned.end());
}

// templateFrom: a ConfigMap of the ExternalSecret's namespace, read at each
// sync (a change is used at the next one); a missing ConfigMap or key keeps
// the Secret as it was and status names the field and the ConfigMap.
TEST(ExternalSecretTemplateFrom,
     RendersFromAConfigMapAndKeepsTheSecretOnError) {
  Cluster c;
  auto config_map = [&](Json data) {
    Json cm = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "tpl"}, {"namespace", kNs}}},
               {"data", std::move(data)}};
    (void)c.client.Delete(kube::kConfigMaps, {kNs, "tpl"});
    c.client.Seed(kube::kConfigMaps, cm);
  };
  config_map({{"dsn", "pg://app:{{ .password }}@db"},
              {"env", "A: one\nB: \"{{ .password | upper }}\"\n"}});
  Json from = Json::array(
      {{{"configMap",
         {{"name", "tpl"},
          {"items",
           {{{"key", "dsn"}},
            {{"key", "env"}, {"templateAs", "KeysAndValues"}}}}}}}});
  c.AddGood({{"template", {{"templateFrom", from}}}});
  ASSERT_TRUE(c.Reconcile());
  EXPECT_EQ(c.Value("dsn"), "pg://app:" + std::string(kCanary) + "@db");
  EXPECT_EQ(c.Value("A"), "one");
  EXPECT_EQ(c.Value("B"), "CANARY-3F9A-NEVER-IN-STATUS");
  EXPECT_FALSE(c.Value("password").has_value()) << "a template: only its keys";
  // The ConfigMap changes: the next sync renders the new template.
  config_map({{"dsn", "mysql://{{ .password }}"}, {"env", "A: two"}});
  ASSERT_TRUE(c.Reconcile());
  EXPECT_EQ(c.Value("dsn"), "mysql://" + std::string(kCanary));
  EXPECT_EQ(c.Value("A"), "two");
  // A key gone from the ConfigMap: Degraded naming it, the Secret as it was.
  config_map({{"dsn", "x"}});
  auto r = c.Reconcile();
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->degraded);
  Json ready = c.Ready(kExternalSecrets, "app");
  EXPECT_EQ(ready["reason"], reasons::kSecretSyncedError);
  const std::string msg = ready.value("message", "");
  EXPECT_NE(msg.find("templateFrom[0].configMap.items[1].key: ConfigMap "
                     "team-a/tpl has no key \"env\""),
            std::string::npos)
      << msg;
  EXPECT_EQ(c.Value("dsn"), "mysql://" + std::string(kCanary));
  EXPECT_EQ(c.Value("A"), "two");
  // No ConfigMap at all: named; the Secret still as it was.
  ASSERT_TRUE(c.client.Delete(kube::kConfigMaps, {kNs, "tpl"}));
  ASSERT_TRUE(c.Reconcile());
  EXPECT_NE(c.Ready(kExternalSecrets, "app")
                .value("message", "")
                .find("configMap.name: ConfigMap team-a/tpl does not exist"),
            std::string::npos);
  EXPECT_EQ(c.Value("dsn"), "mysql://" + std::string(kCanary));
  EXPECT_EQ(c.Ready(kExternalSecrets, "app").dump().find(kCanary),
            std::string::npos);
}

// A hostile tenant naming a ConfigMap of another namespace: refused by
// field, and no ConfigMap of any other namespace is read.
TEST(ExternalSecretTemplateFrom, AnotherNamespacesConfigMapIsNeverRead) {
  Cluster c;
  c.client.Seed(kube::kConfigMaps,
                {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "tpl"}, {"namespace", "victim"}}},
                 {"data", {{"t", "victim-template"}}}});
  Json from = Json::array({{{"configMap",
                             {{"name", "tpl"},
                              {"namespace", "victim"},
                              {"items", {{{"key", "t"}}}}}}}});
  c.AddGood({{"template", {{"templateFrom", from}}}});
  (void)c.Reconcile();
  Json ready = c.Ready(kExternalSecrets, "app");
  EXPECT_EQ(ready["reason"], reasons::kInvalidSpec);
  EXPECT_NE(
      ready.value("message", "")
          .find("templateFrom[0].configMap.namespace: an ExternalSecret may "
                "only read ConfigMaps of its own namespace team-a"),
      std::string::npos)
      << ready.dump();
  // Without the namespace field the same name is looked up in team-a only.
  from[0]["configMap"].erase("namespace");
  c.AddGood({{"template", {{"templateFrom", from}}}});
  (void)c.Reconcile();
  EXPECT_NE(c.Ready(kExternalSecrets, "app")
                .value("message", "")
                .find("ConfigMap team-a/tpl does not exist"),
            std::string::npos);
  for (const auto& call : c.client.Calls()) {
    if (call.resource == "configmaps") {
      EXPECT_EQ(call.key.ns, kNs);
    }
  }
  EXPECT_FALSE(c.Secret().has_value());
}

TEST(ExternalSecretStop, NoVaultCallOnceStopping) {
  Cluster c;
  c.AddGood();
  std::stop_source stop;
  stop.request_stop();
  auto r = c.reconciler.Reconcile(stop.get_token(), {"", kNs, "app"});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(c.vault.stats().list_calls, 0u);
  EXPECT_FALSE(c.Secret().has_value());
}

// StoreReconciler: every reason of a SecretStore's Ready condition.
struct StoreCase {
  std::string name;
  std::function<void(Cluster&)> setup;
  std::string status;
  std::string_view reason;
  Outcome outcome;
};

const std::vector<StoreCase>& StoreCases() {
  static const std::vector<StoreCase> cases = {
      {"Valid", [](Cluster& c) { c.AddStore(Cluster::Verdict::kNotValidated); },
       "True", reasons::kStoreValid, Outcome::kOk},
      {"InvalidSpecCrossNamespaceCredentials",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated);
         Json s = *c.client.Object(kSecretStores, {kNs, "vault"});
         s["spec"]["provider"]["infisical"]["auth"]["universalAuthCredentials"]
          ["clientSecret"]["namespace"] = "victim";
         c.stores.Upsert(c.client.Seed(kSecretStores, s));
       },
       "False", reasons::kInvalidSpec, Outcome::kDegraded},
      {"InvalidProviderConfigWrongSecret",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated);
         c.vault.SetIdentity("id", "another-secret");
       },
       "False", reasons::kInvalidProviderConfig, Outcome::kDegraded},
      {"InvalidProviderConfigCredentialKeyMissing",
       [](Cluster& c) { c.AddStore(Cluster::Verdict::kNotValidated, "nope"); },
       "False", reasons::kInvalidProviderConfig, Outcome::kDegraded},
      {"VaultUnavailable",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated);
         c.vault.Fail(Error(ErrorCode::kUnavailable, "connection refused"));
       },
       "False", reasons::kVaultUnavailable, Outcome::kDegraded},
      // Kubernetes auth naming a ServiceAccount that lets another store log
      // in as it, not this one (login_consent.h): no token, no login.
      {"ServiceAccountNotConsented",
       [](Cluster& c) {
         c.AddStore(Cluster::Verdict::kNotValidated);
         Json s = *c.client.Object(kSecretStores, {kNs, "vault"});
         s["spec"]["provider"]["infisical"]["auth"] = {
             {"kubernetesAuth",
              {{"identityId", "identity-1"},
               {"serviceAccountRef", {{"name", "reader"}}}}}};
         c.stores.Upsert(c.client.Seed(kSecretStores, s));
         c.client.Seed(kServiceAccounts,
                       {{"apiVersion", "v1"},
                        {"kind", "ServiceAccount"},
                        {"metadata",
                         {{"name", "reader"},
                          {"namespace", kNs},
                          {"annotations",
                           {{std::string(names::kVaultLoginAnnotation),
                             "SecretStore/other"}}}}}});
       },
       "False", reasons::kServiceAccountNotConsented, Outcome::kDegraded},
  };
  return cases;
}

class StoreReasons : public ::testing::TestWithParam<StoreCase> {};

TEST_P(StoreReasons, Status) {
  const StoreCase& tc = GetParam();
  Cluster c;
  tc.setup(c);
  auto r = c.store_reconciler.Reconcile({}, {"SecretStore", kNs, "vault"});
  EXPECT_EQ(OutcomeOf(r), tc.outcome) << (r ? "" : r.error().message());
  Json ready = c.Ready(kSecretStores, "vault");
  EXPECT_EQ(ready["status"], tc.status) << ready.dump();
  EXPECT_EQ(ready["reason"], tc.reason) << ready.dump();
  if (r && r->degraded) {
    EXPECT_EQ(r->degraded->reason(), tc.reason);
  }
  // The client secret is in no status message.
  EXPECT_EQ(ready.dump().find("another-secret"), std::string::npos);
  EXPECT_EQ(ready.dump().find("\"secret\""), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Table, StoreReasons, ::testing::ValuesIn(StoreCases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealsync::op
