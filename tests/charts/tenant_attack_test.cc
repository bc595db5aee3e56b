// A hostile tenant on the real control plane (docs/security.md). The
// operator runs as the chart's ServiceAccount with the chart's RBAC and
// flags; the tenant is a ServiceAccount bound (RoleBinding, its namespace
// only) to the chart's <release>-edit ClusterRole: it may manage
// SealedSecrets, ExternalSecrets and SecretStores and has no rights on
// Secrets. Each test replays one attack from docs/security.md's table and
// asserts what the victim would notice: the Secret byte-identical, the
// refusal named in status, no value anywhere, the operator still serving.
#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <thread>

#include "sealsync/api.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "sealsync/sealing.h"
#include "tests/charts/chart_env.h"
#include "tests/lib/vault/infisical_double_process.h"

namespace sealsync::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;

const kube::Resource kExternal{"sealsync.dev", "v1alpha1", "externalsecrets",
                               true};
const kube::Resource kStores{"sealsync.dev", "v1alpha1", "secretstores", true};

// The victim's value: must stay where it is and never show up elsewhere.
constexpr std::string_view kVictimValue = "victim-value-9c2e-never-leak";
// A value in the Infisical double's seed (tests/testdata/infisical).
constexpr std::string_view kVaultValue = "s3cr3t-db-password";

class TenantAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cp_ = ControlPlane::Shared();
    std::string helm_why;
    if (auto h = HelmRunner::Find(&helm_why))
      helm_ = std::make_unique<HelmRunner>(std::move(*h));
    bool ci = std::getenv("CI") != nullptr &&
              std::string(std::getenv("CI")) == "true";
    if (cp_ == nullptr || !helm_ || !InfisicalDouble::Available()) {
      if (ci) FAIL() << "control plane, helm or the Infisical double missing";
      GTEST_SKIP() << "control plane, helm or the Infisical double missing";
    }
    env_ = std::make_unique<ChartEnv>(cp_, helm_.get());
    vault_ = std::make_unique<InfisicalDouble>();
    ASSERT_TRUE(vault_->running());
    op_ns_ = ChartEnv::UniqueName("tenant-op");
    release_ = "sealsync-" + op_ns_.substr(op_ns_.rfind('-') + 1);
    team_ = cp_->NewNamespace("tenant-team");
    std::vector<std::string> install = {"install",
                                        release_,
                                        "charts/sealsync",
                                        "--namespace",
                                        op_ns_,
                                        "--create-namespace",
                                        "--set",
                                        "vault.allowedHosts={127.0.0.1}",
                                        "--set",
                                        "vault.insecureHosts={127.0.0.1}"};
    HelmResult r = env_->Helm(install);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string why;
    op_ = env_->StartOperator(op_ns_, release_, &why);
    ASSERT_NE(op_, nullptr) << why;
    ASSERT_TRUE(ChartEnv::Eventually(
        [&] { return op_->Get("/readyz") == "ok: leader\n"; }, 30s))
        << op_->Log();
    ASSERT_NO_FATAL_FAILURE(MakeTenant());
    ASSERT_NO_FATAL_FAILURE(MakeVictim("victim"));
  }

  void TearDown() override {
    if (op_) {
      op_->proc->Signal(SIGTERM);
      (void)op_->proc->Wait(20s);
      std::string log = op_->Log();
      EXPECT_EQ(log.find(kVictimValue), std::string::npos) << "victim in log";
      EXPECT_EQ(log.find(kVaultValue), std::string::npos) << "vault in log";
    }
    if (env_) {
      std::string events = env_->EventsText(team_);
      EXPECT_EQ(events.find(kVictimValue), std::string::npos);
      EXPECT_EQ(events.find(kVaultValue), std::string::npos);
      (void)env_->Helm({"uninstall", release_, "--namespace", op_ns_});
      env_->DeleteNamespace(team_);
      env_->DeleteNamespace(op_ns_);
    }
  }

  // ServiceAccount "tenant" in team_, bound to <release>-edit only.
  void MakeTenant() {
    kube::Client& c = env_->client();
    Json sa = {{"apiVersion", "v1"},
               {"kind", "ServiceAccount"},
               {"metadata", {{"name", "tenant"}, {"namespace", team_}}}};
    ASSERT_TRUE(c.Create(kServiceAccounts, sa).has_value());
    Json rb = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "RoleBinding"},
               {"metadata", {{"name", "tenant-edit"}, {"namespace", team_}}},
               {"roleRef",
                {{"apiGroup", "rbac.authorization.k8s.io"},
                 {"kind", "ClusterRole"},
                 {"name", release_ + "-edit"}}},
               {"subjects",
                {{{"kind", "ServiceAccount"},
                  {"name", "tenant"},
                  {"namespace", team_}}}}};
    ASSERT_TRUE(c.Create(kRoleBindings, rb).has_value());
    tenant_ = env_->ServiceAccountClient(team_, "tenant");
    ASSERT_NE(tenant_, nullptr);
    // RBAC caches settle quickly; wait for the grant to be in force.
    ASSERT_TRUE(ChartEnv::Eventually(
        [&] { return tenant_->List(kSealedSecrets, team_, {}).has_value(); },
        30s));
  }

  // A Secret made by someone with Secret rights, not sealsync's.
  void MakeVictim(const std::string& name, Json annotations = Json::object()) {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata",
               {{"name", name},
                {"namespace", team_},
                {"annotations", std::move(annotations)}}},
              {"stringData", {{"password", std::string(kVictimValue)}}}};
    auto made = env_->client().Create(kube::kSecrets, s);
    ASSERT_TRUE(made.has_value()) << made.error().message();
  }

  // The victim as the API server has it now (data, metadata, version).
  Json Snapshot(const std::string& name) {
    auto s = env_->client().Get(kube::kSecrets, {team_, name});
    return s ? *s : Json();
  }

  std::vector<X25519Recipient> Recipients() {
    auto cm = env_->client().Get(
        kube::kConfigMaps, {op_ns_, std::string(names::kRecipientsConfigMap)});
    if (!cm) return {};
    auto rs = ParseRecipientsFile(
        (*cm)["data"].value(std::string(names::kRecipientsDataKey), ""));
    return rs ? *rs : std::vector<X25519Recipient>{};
  }

  // A SealedSecret the tenant could write: values sealed (strict scope) to
  // the cluster's recipients.
  Json Sealed(const std::string& name,
              const std::map<std::string, std::string>& values) {
    std::vector<X25519Recipient> rs;
    EXPECT_TRUE(ChartEnv::Eventually(
        [&] { return !(rs = Recipients()).empty(); }, 30s));
    ScopeBinding b{Scope::kStrict, team_, name};
    Json data = Json::object();
    for (const auto& [k, v] : values) {
      data[k] = *SealValue(AsBytes(v), rs, b, SealFormat::kAge, SystemRandom());
    }
    return {{"apiVersion", "sealsync.dev/v1alpha1"},
            {"kind", "SealedSecret"},
            {"metadata", {{"name", name}, {"namespace", team_}}},
            {"spec", {{"encryptedData", data}}}};
  }

  // The Ready condition of `resource` team_/name ("status/reason"), "" if
  // none yet.
  std::string Ready(const kube::Resource& resource, const std::string& name) {
    auto o = env_->client().Get(resource, {team_, name});
    if (!o) return "";
    for (const auto& c : o->value("status", Json::object())
                             .value("conditions", Json::array())) {
      if (c.value("type", "") == "Ready")
        return c.value("status", "") + "/" + c.value("reason", "");
    }
    return "";
  }

  // The same object stored again: data, annotations, owners all unchanged.
  static void ExpectUntouched(const Json& before, const Json& after) {
    ASSERT_TRUE(after.is_object()) << "the victim Secret is gone";
    EXPECT_EQ(after["metadata"]["resourceVersion"],
              before["metadata"]["resourceVersion"]);
    EXPECT_EQ(after["data"], before["data"]);
    EXPECT_FALSE(after["metadata"].contains("ownerReferences"));
  }

  // A SecretStore on the Infisical double with the seed's reader identity
  // (its credentials Secret made by an admin, as a tenant cannot).
  void MakeStore() {
    Json creds = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata", {{"name", "reader-creds"}, {"namespace", team_}}},
        {"stringData",
         {{"clientId", "0f1e2d3c-reader-client-id"},
          {"clientSecret", "reader-client-secret-0001"}}}};
    ASSERT_TRUE(env_->client().Create(kube::kSecrets, creds).has_value());
    Json ref = {{"name", "reader-creds"}, {"key", "clientId"}};
    Json sref = {{"name", "reader-creds"}, {"key", "clientSecret"}};
    Json store = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "SecretStore"},
        {"metadata", {{"name", "vault"}, {"namespace", team_}}},
        {"spec",
         {{"provider",
           {{"infisical",
             {{"hostAPI", vault_->api_base()},
              {"auth",
               {{"universalAuthCredentials",
                 {{"clientId", ref}, {"clientSecret", sref}}}}},
              {"secretsScope",
               {{"projectSlug", "team-a"}, {"environmentSlug", "dev"}}}}}}}}}};
    auto made = tenant_->Create(kStores, store);
    ASSERT_TRUE(made.has_value()) << made.error().message();
    ASSERT_TRUE(ChartEnv::Eventually(
        [&] { return Ready(kStores, "vault").starts_with("True/"); }, 30s))
        << Ready(kStores, "vault") << op_->Log();
  }

  Json External(const std::string& name, const std::string& target,
                const std::string& creation, Json data) {
    return {{"apiVersion", "sealsync.dev/v1alpha1"},
            {"kind", "ExternalSecret"},
            {"metadata", {{"name", name}, {"namespace", team_}}},
            {"spec",
             {{"refreshInterval", "1h"},
              {"secretStoreRef", {{"name", "vault"}}},
              {"target",
               {{"name", target},
                {"creationPolicy", creation},
                {"deletionPolicy", "Delete"}}},
              {"data", std::move(data)}}}};
  }

  ControlPlane* cp_ = nullptr;
  std::unique_ptr<HelmRunner> helm_;
  std::unique_ptr<ChartEnv> env_;
  std::unique_ptr<InfisicalDouble> vault_;
  std::unique_ptr<ChartOperator> op_;
  std::unique_ptr<kube::Client> tenant_;
  std::string op_ns_, release_, team_;
};

// The documented tenant grant is what it says: sealsync's kinds, no Secrets.
TEST_F(TenantAttackTest, TenantGrantHasNoSecretRights) {
  auto read = tenant_->Get(kube::kSecrets, {team_, "victim"});
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code(), ErrorCode::kPermissionDenied);
  auto other = tenant_->List(kSealedSecrets, op_ns_, {});
  ASSERT_FALSE(other.has_value()) << "the grant reaches another namespace";
  EXPECT_EQ(other.error().code(), ErrorCode::kPermissionDenied);
}

// H2: a SealedSecret for an existing Secret, "consenting" on its own behalf.
TEST_F(TenantAttackTest, SealedSecretCannotTakeOverAnExistingSecret) {
  Json before = Snapshot("victim");
  Json ss = Sealed("victim", {{"password", "tenant-chosen"}});
  ss["metadata"]["annotations"] = {{"sealsync.dev/adopt", "true"}};
  ASSERT_TRUE(tenant_->Create(kSealedSecrets, ss).has_value());
  ASSERT_TRUE(ChartEnv::Eventually(
      [&] { return Ready(kSealedSecrets, "victim") == "False/TargetNotOwned"; },
      30s))
      << Ready(kSealedSecrets, "victim") << op_->Log();
  ExpectUntouched(before, Snapshot("victim"));
  // Deleting the SealedSecret must not garbage-collect the victim.
  ASSERT_TRUE(tenant_->Delete(kSealedSecrets, {team_, "victim"}).has_value());
  std::this_thread::sleep_for(2s);  // give a wrong GC its chance
  ExpectUntouched(before, Snapshot("victim"));
  EXPECT_NE(env_->EventsText(team_).find("TargetNotOwned"), std::string::npos);
}

// The consent path: an admin annotates the Secret, then it is taken over.
TEST_F(TenantAttackTest, ConsentOnTheSecretHandsItOver) {
  ASSERT_NO_FATAL_FAILURE(
      MakeVictim("handed", {{std::string(names::kOwnerAnnotation),
                             "ExternalSecret/x, SealedSecret/handed"}}));
  ASSERT_TRUE(
      tenant_->Create(kSealedSecrets, Sealed("handed", {{"password", "new"}}))
          .has_value());
  EXPECT_TRUE(ChartEnv::Eventually(
      [&] { return env_->SecretValue(team_, "handed", "password") == "new"; },
      30s))
      << Ready(kSealedSecrets, "handed") << op_->Log();
  EXPECT_EQ(Ready(kSealedSecrets, "handed"), "True/Synced");
}

// M7: a Secret sealsync wrote for an ExternalSecret (creationPolicy Orphan:
// labelled and annotated as sealsync's, no ownerReference) is not another
// object's to take.
TEST_F(TenantAttackTest, SealedSecretCannotTakeAnOrphanedExternalTarget) {
  Json orphan = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata",
       {{"name", "orphan"},
        {"namespace", team_},
        {"labels",
         {{std::string(names::kManagedByLabel), names::kManagedByValue}}},
        {"annotations",
         {{std::string(names::kOwnerAnnotation), "ExternalSecret/db"}}}}},
      {"stringData", {{"password", std::string(kVictimValue)}}}};
  ASSERT_TRUE(env_->client().Create(kube::kSecrets, orphan).has_value());
  Json before = Snapshot("orphan");
  ASSERT_TRUE(
      tenant_->Create(kSealedSecrets, Sealed("orphan", {{"password", "mine"}}))
          .has_value());
  ASSERT_TRUE(ChartEnv::Eventually(
      [&] { return Ready(kSealedSecrets, "orphan") == "False/TargetNotOwned"; },
      30s))
      << Ready(kSealedSecrets, "orphan");
  ExpectUntouched(before, Snapshot("orphan"));
}

// M6 and the key rules: refused by the API server (CRD validation) before
// the operator sees them, with the field named.
TEST_F(TenantAttackTest, DangerousTemplatesAreRefusedAtAdmission) {
  struct Case {
    std::string what;
    std::function<void(Json&)> edit;
    std::string expect;  // in the API server's message
  };
  const Case cases[] = {
      {"service-account-token type",
       [](Json& o) {
         o["spec"]["template"] = {
             {"type", "kubernetes.io/service-account-token"}};
       },
       "spec.template.type"},
      {"bootstrap token type",
       [](Json& o) {
         o["spec"]["template"] = {{"type", "bootstrap.kubernetes.io/token"}};
       },
       "spec.template.type"},
      {"owner annotation in the template",
       [](Json& o) {
         o["spec"]["template"] = {
             {"metadata",
              {{"annotations", {{"sealsync.dev/owner", "SealedSecret/x"}}}}}};
       },
       "reserved"},
      {"path-like key",
       [](Json& o) { o["spec"]["encryptedData"]["../x"] = "AAAA"; },
       "spec.encryptedData"},
      {"key with a space",
       [](Json& o) { o["spec"]["encryptedData"]["a b"] = "AAAA"; },
       "spec.encryptedData"},
  };
  for (const Case& c : cases) {
    Json ss = Sealed("bad", {{"k", "v"}});
    c.edit(ss);
    auto made = tenant_->Create(kSealedSecrets, ss);
    ASSERT_FALSE(made.has_value()) << c.what << " was admitted";
    EXPECT_EQ(made.error().code(), ErrorCode::kInvalidArgument) << c.what;
    EXPECT_NE(made.error().message().find(c.expect), std::string::npos)
        << c.what << ": " << made.error().message();
  }
  Json es =
      External("sa", "sa-token", "Owner",
               {{{"secretKey", "t"}, {"remoteRef", {{"key", "DB_USER"}}}}});
  es["spec"]["target"]["template"] = {
      {"type", "kubernetes.io/service-account-token"}};
  auto made = tenant_->Create(kExternal, es);
  ASSERT_FALSE(made.has_value());
  EXPECT_NE(made.error().message().find("spec.target.template.type"),
            std::string::npos)
      << made.error().message();
}

// H3 and deletionPolicy Delete: an ExternalSecret aimed at an existing
// Secret (Merge, Owner, or an empty result with deletionPolicy Delete)
// neither writes nor deletes it.
TEST_F(TenantAttackTest,
       ExternalSecretCannotMergeIntoOrDeleteAnExistingSecret) {
  ASSERT_NO_FATAL_FAILURE(MakeStore());
  Json before = Snapshot("victim");
  Json ref = {{"secretKey", "password"},
              {"remoteRef", {{"key", "db/PASSWORD"}}}};
  ASSERT_TRUE(tenant_
                  ->Create(kExternal, External("merge", "victim", "Merge",
                                               Json::array({ref})))
                  .has_value());
  ASSERT_TRUE(tenant_
                  ->Create(kExternal, External("owner", "victim", "Owner",
                                               Json::array({ref})))
                  .has_value());
  Json wipe = External("wipe", "victim", "Orphan", Json::array());
  wipe["spec"].erase("data");
  wipe["spec"]["dataFrom"] = {
      {{"find", {{"name", {{"regexp", "^NOTHING_MATCHES_THIS$"}}}}}}};
  ASSERT_TRUE(tenant_->Create(kExternal, wipe).has_value());
  for (const char* name : {"merge", "owner", "wipe"}) {
    EXPECT_TRUE(ChartEnv::Eventually(
        [&] { return Ready(kExternal, name) == "False/TargetNotOwned"; }, 30s))
        << name << ": " << Ready(kExternal, name) << op_->Log();
  }
  ExpectUntouched(before, Snapshot("victim"));

  // Another team member's ExternalSecret with its own target still syncs:
  // the operator is alive and serving.
  ASSERT_TRUE(tenant_
                  ->Create(kExternal, External("fine", "fine", "Owner",
                                               Json::array({ref})))
                  .has_value());
  EXPECT_TRUE(ChartEnv::Eventually(
      [&] {
        return env_->SecretValue(team_, "fine", "password") == kVaultValue;
      },
      30s))
      << Ready(kExternal, "fine");
  auto list = env_->client().List(kExternal, team_, {});
  ASSERT_TRUE(list.has_value());
  for (const auto& o : list->items) {
    std::string status = o.value("status", Json::object()).dump();
    EXPECT_EQ(status.find(kVaultValue), std::string::npos);
    EXPECT_EQ(status.find(kVictimValue), std::string::npos);
  }
}

}  // namespace
}  // namespace sealsync::testing
