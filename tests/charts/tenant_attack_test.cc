// A hostile tenant on the real control plane (docs/security.md). The
// operator runs as the chart's ServiceAccount with the chart's RBAC and
// flags; the tenant is a ServiceAccount bound (RoleBinding, its namespace
// only) to the chart's <release>-edit ClusterRole: it may manage
// SealedSecrets, ExternalSecrets and SecretStores and has no rights on
// Secrets. Each test replays one attack from docs/security.md's table and
// asserts what the victim would notice: the Secret byte-identical, the
// refusal named in status, no value anywhere, the operator still serving.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <thread>

#include "sealsync/api.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "sealsync/sealing.h"
#include "tests/charts/chart_env.h"
#include "tests/lib/vault/infisical_double_process.h"
#include "tests/support/cluster_read.h"
#include "tests/support/operator_log.h"
#include "tests/support/store_json.h"

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
    ASSERT_TRUE(
        Eventually([&] { return op_->Get("/readyz") == "ok: leader\n"; }, 30s))
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
    ASSERT_TRUE(Eventually(
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
    EXPECT_TRUE(Eventually([&] { return !(rs = Recipients()).empty(); }, 30s));
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
    Json store = StoreJson("vault", vault_->api_base(), "reader-creds",
                           "clientId", "clientSecret");
    auto made = tenant_->Create(kStores, store);
    ASSERT_TRUE(made.has_value()) << made.error().message();
    ASSERT_TRUE(Eventually(
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

  // Another team member's ExternalSecret with its own target still syncs:
  // the operator is alive and serving.
  void ExpectStillServing() {
    Json ref = {{"secretKey", "password"},
                {"remoteRef", {{"key", "db/PASSWORD"}}}};
    ASSERT_TRUE(tenant_
                    ->Create(kExternal, External("fine", "fine", "Owner",
                                                 Json::array({ref})))
                    .has_value());
    EXPECT_TRUE(Eventually(
        [&] {
          return env_->SecretValue(team_, "fine", "password") == kVaultValue;
        },
        30s))
        << Ready(kExternal, "fine");
  }

  // A SecretStore on `host_api` whose credentials are keys `id_key` and
  // `secret_key` of Secret `creds` in team_.
  Json StoreJson(const std::string& name, const std::string& host_api,
                 const std::string& creds, const std::string& id_key,
                 const std::string& secret_key) {
    return testing::StoreJson({.name = name,
                               .ns = team_,
                               .host_api = host_api,
                               .creds = creds,
                               .id_key = id_key,
                               .secret_key = secret_key});
  }

  // The whole status of `resource` team_/name as text ("" if none).
  std::string StatusText(const kube::Resource& resource,
                         const std::string& name) {
    auto o = env_->client().Get(resource, {team_, name});
    return o ? o->value("status", Json::object()).dump() : "";
  }

  // The operator's peak resident memory (VmHWM) in MiB, -1 if unknown.
  double PeakRssMiB() {
    std::ifstream f("/proc/" + std::to_string(op_->proc->pid()) + "/status");
    for (std::string line; std::getline(f, line);) {
      if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024;
    }
    return -1;
  }

  // POSTs `body` to the operator's API from local address `from` with the
  // curl CLI; the HTTP status (0 if none) and the body in *out.
  int PostApi(const std::string& path, const std::string& body,
              const std::string& from, std::string* out = nullptr) {
    auto serving = FindServing(op_->Log());
    if (!serving) return 0;
    std::string file = op_->log_path + ".post";
    std::ofstream(file, std::ios::binary) << body;
    std::string cmd = "curl -s --max-time 30 --noproxy '*' --interface " +
                      from + " -w '\\n%{http_code}' --data-binary @" + file +
                      " http://" + serving->api + path;
    std::string text;
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[4096];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
      pclose(p);
    }
    size_t nl = text.rfind('\n');
    if (nl == std::string::npos) return 0;
    if (out) *out = text.substr(0, nl);
    return std::atoi(text.c_str() + nl + 1);
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
  ASSERT_TRUE(Eventually(
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
  EXPECT_TRUE(WaitForSecretAndStatus(
      env_->client(), kSealedSecrets, team_, "handed",
      [&] { return env_->SecretValue(team_, "handed", "password") == "new"; },
      "Synced"))
      << Ready(kSealedSecrets, "handed") << op_->Log();
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
  ASSERT_TRUE(Eventually(
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
    EXPECT_TRUE(Eventually(
        [&] { return Ready(kExternal, name) == "False/TargetNotOwned"; }, 30s))
        << name << ": " << Ready(kExternal, name) << op_->Log();
  }
  ExpectUntouched(before, Snapshot("victim"));

  ASSERT_NO_FATAL_FAILURE(ExpectStillServing());
  auto list = env_->client().List(kExternal, team_, {});
  ASSERT_TRUE(list.has_value());
  for (const auto& o : list->items) {
    std::string status = o.value("status", Json::object()).dump();
    EXPECT_EQ(status.find(kVaultValue), std::string::npos);
    EXPECT_EQ(status.find(kVictimValue), std::string::npos);
  }
}

// X1: a ClusterExternalSecret is the cluster admin's: the tenant may not
// create one. One that selects the tenant's namespace provisions its
// ExternalSecret and Secret there with the chart's RBAC (namespaces,
// ClusterExternalSecrets, ExternalSecret writes), never touches the
// tenant's own ExternalSecret of the same name (that namespace is listed
// as failed), and removes what it made once the namespace stops matching.
TEST_F(TenantAttackTest, ClusterExternalSecretNeverTakesATenantsObject) {
  const kube::Resource kClusterExternal{"sealsync.dev", "v1alpha1",
                                        "clusterexternalsecrets", false};
  ASSERT_NO_FATAL_FAILURE(MakeStore());
  const std::string label = "fanout.test/" + team_;
  auto ces = [&](const std::string& name) {
    Json ref = {{"secretKey", "password"},
                {"remoteRef", {{"key", "db/PASSWORD"}}}};
    return Json{{"apiVersion", "sealsync.dev/v1alpha1"},
                {"kind", "ClusterExternalSecret"},
                {"metadata", {{"name", name + "-" + team_}}},
                {"spec",
                 {{"externalSecretName", name},
                  {"namespaceSelectors", {{{"matchLabels", {{label, "yes"}}}}}},
                  {"externalSecretSpec",
                   {{"secretStoreRef", {{"name", "vault"}}},
                    {"data", Json::array({ref})}}}}}};
  };
  auto denied = tenant_->Create(kClusterExternal, ces("mine"));
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);

  Json ref = {{"secretKey", "password"},
              {"remoteRef", {{"key", "db/PASSWORD"}}}};
  ASSERT_TRUE(tenant_
                  ->Create(kExternal, External("taken", "tenants-own", "Owner",
                                               Json::array({ref})))
                  .has_value());
  auto label_team = [&](Json v) {
    return env_->client()
        .MergePatch(kube::kNamespaces, {"", team_},
                    {{"metadata", {{"labels", {{label, v}}}}}})
        .has_value();
  };
  ASSERT_TRUE(label_team("yes"));
  for (const char* name : {"taken", "shared"})
    ASSERT_TRUE(env_->client().Create(kClusterExternal, ces(name)).has_value());
  auto status = [&](const std::string& name) {
    auto o = env_->client().Get(kClusterExternal, {"", name + "-" + team_});
    return o ? o->value("status", Json::object()) : Json::object();
  };
  EXPECT_TRUE(Eventually(
      [&] {
        return env_->SecretValue(team_, "shared", "password") == kVaultValue;
      },
      30s))
      << status("shared").dump() << op_->Log();
  EXPECT_TRUE(Eventually(
      [&] {
        return status("taken")
                   .value("failedNamespaces", Json::array())
                   .size() == 1;
      },
      30s))
      << status("taken").dump();
  auto theirs = env_->client().Get(kExternal, {team_, "taken"});
  ASSERT_TRUE(theirs.has_value());
  EXPECT_FALSE((*theirs)["metadata"].contains("ownerReferences"));
  EXPECT_EQ((*theirs)["metadata"]["generation"], 1);
  EXPECT_EQ((*theirs)["spec"]["target"]["name"], "tenants-own");

  ASSERT_TRUE(label_team(nullptr));
  EXPECT_TRUE(Eventually(
      [&] {
        return !env_->client().Get(kExternal, {team_, "shared"});
      },
      30s))
      << status("shared").dump();
  EXPECT_TRUE(env_->client().Get(kExternal, {team_, "taken"}).has_value());
  for (const char* name : {"taken", "shared"}) {
    EXPECT_EQ(status(name).dump().find(kVaultValue), std::string::npos);
    (void)env_->client().Delete(kClusterExternal,
                                {"", std::string(name) + "-" + team_});
  }
}

// H1: a store may name any Secret key of its namespace as its credentials.
// Sent to a host the platform did not allow: no connection at all. Sent to
// the allowed vault, which refuses it: the value reaches no status, log or
// Event (TearDown checks log and Events).
TEST_F(TenantAttackTest, StoreCredentialsGoNowhereElseAndNeverIntoStatus) {
  // The tenant's "capture server": a listening socket nobody may reach.
  int capture = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(capture, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(capture, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(listen(capture, 16), 0);
  ASSERT_EQ(getsockname(capture, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  for (const std::string& host :
       {"http://localhost:" + port + "/api", "https://localhost:" + port,
        "http://[::1]:" + port}) {
    std::string name = "exfil-" + std::to_string(host.size());
    ASSERT_TRUE(tenant_
                    ->Create(kStores, StoreJson(name, host, "victim",
                                                "password", "password"))
                    .has_value());
    EXPECT_TRUE(Eventually(
        [&] {
          return StatusText(kStores, name)
                     .find("not allowed by the operator") != std::string::npos;
        },
        30s))
        << name << ": " << StatusText(kStores, name);
  }
  // Nobody knocked: no pending connection on the capture socket.
  pollfd pfd{capture, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0) << "the capture server was contacted";
  close(capture);

  // The allowed vault with the victim's value as client id and secret.
  ASSERT_TRUE(tenant_
                  ->Create(kStores, StoreJson("bait", vault_->api_base(),
                                              "victim", "password", "password"))
                  .has_value());
  EXPECT_TRUE(Eventually(
      [&] { return Ready(kStores, "bait") == "False/InvalidProviderConfig"; },
      30s))
      << StatusText(kStores, "bait");
  EXPECT_EQ(StatusText(kStores, "bait").find(kVictimValue), std::string::npos);
}

// C1: a pattern that made std::regex recurse, against a vault key of
// 200,000 characters. The key is refused by name (cut), the operator lives
// and serves the next ExternalSecret.
TEST_F(TenantAttackTest, HostilePatternAndEndlessKeyNamesAreRefused) {
  ASSERT_NO_FATAL_FAILURE(MakeStore());
  ASSERT_FALSE(
      vault_
          ->Control("secret", {{"project", "team-a"},
                               {"environment", "dev"},
                               {"secretPath", "/"},
                               {"secretKey", std::string(199999, 'A') + "C"},
                               {"secretValue", "x"}})
          .is_null());
  Json find = External("regexp", "regexp-out", "Owner", Json::array());
  find["spec"].erase("data");
  find["spec"]["dataFrom"] = {
      {{"find", {{"path", "/"}, {"name", {{"regexp", "(A|B)*C"}}}}}}};
  ASSERT_TRUE(tenant_->Create(kExternal, find).has_value());
  EXPECT_TRUE(Eventually(
      [&] {
        return StatusText(kExternal, "regexp")
                   .find("key longer than 253 characters") != std::string::npos;
      },
      30s))
      << StatusText(kExternal, "regexp").substr(0, 400) << op_->Log();
  EXPECT_LT(StatusText(kExternal, "regexp").size(), 4096u);
  ASSERT_NO_FATAL_FAILURE(ExpectStillServing());
  EXPECT_EQ(op_->Get("/readyz"), "ok: leader\n");
}

// M1: a vault answer over the cap is cut off while it arrives; the status
// names the cap and the operator's memory stays bounded.
TEST_F(TenantAttackTest, HugeVaultAnswerIsCutOffAndMemoryStaysBounded) {
  ASSERT_NO_FATAL_FAILURE(MakeStore());
  ASSERT_FALSE(
      vault_
          ->Control("secret", {{"project", "team-a"},
                               {"environment", "dev"},
                               {"secretPath", "/huge"},
                               {"secretKey", "BLOB"},
                               {"secretValue", std::string(40 << 20, 'z')}})
          .is_null());
  Json ref = {{"secretKey", "blob"}, {"remoteRef", {{"key", "huge/BLOB"}}}};
  ASSERT_TRUE(tenant_
                  ->Create(kExternal, External("huge", "huge", "Owner",
                                               Json::array({ref})))
                  .has_value());
  EXPECT_TRUE(Eventually(
      [&] {
        return StatusText(kExternal, "huge")
                   .find("larger than 33554432 bytes") != std::string::npos;
      },
      60s))
      << StatusText(kExternal, "huge");
  double peak = PeakRssMiB();
  EXPECT_GT(peak, 0);
  EXPECT_LT(peak, 256) << "peak RSS MiB";
  EXPECT_EQ(op_->Get("/readyz"), "ok: leader\n");
}

// M2: stores on a slow vault host hold at most half the store workers; a
// store on another host is validated while they still wait.
TEST_F(TenantAttackTest, SlowVaultHostDelaysOnlyItsOwnStores) {
  ASSERT_NO_FATAL_FAILURE(MakeStore());
  InfisicalDouble slow;
  ASSERT_TRUE(slow.running());
  ASSERT_FALSE(
      slow.Control("faults", {{"latency_ms", 12000}, {"endpoints", {"login"}}})
          .is_null());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(tenant_
                    ->Create(kStores, StoreJson("slow-" + std::to_string(i),
                                                slow.api_base(), "reader-creds",
                                                "clientId", "clientSecret"))
                    .has_value());
  }
  std::this_thread::sleep_for(1s);  // the slow logins are under way
  ASSERT_TRUE(tenant_
                  ->Create(kStores, StoreJson("quick", vault_->api_base(),
                                              "reader-creds", "clientId",
                                              "clientSecret"))
                  .has_value());
  ASSERT_TRUE(Eventually(
      [&] { return Ready(kStores, "quick").starts_with("True/"); }, 60s))
      << Ready(kStores, "quick");
  // Ordering, not timing: when "quick" was ready, no slow login had ended.
  int slow_done = 0;
  for (int i = 0; i < 4; ++i)
    if (!Ready(kStores, "slow-" + std::to_string(i)).empty()) ++slow_done;
  EXPECT_EQ(slow_done, 0);
}

// H4 and M3: an alias bomb at the API is refused at once; a client flooding
// the API is limited alone, another client is still served.
TEST_F(TenantAttackTest, ApiFloodAndAliasBombHurtOnlyTheSender) {
  std::string bomb =
      "apiVersion: sealsync.dev/v1alpha1\nkind: SealedSecret\n"
      "metadata: {name: a, namespace: b}\nl0: &l0 [\"lol\"]\n";
  for (int i = 1; i <= 12; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? "," : "") + prev;
    bomb += "]\n";
  }
  std::string out;
  EXPECT_EQ(PostApi("/v1/verify", bomb, "127.0.0.2", &out), 400);
  EXPECT_NE(out.find("aliases expand to more than"), std::string::npos) << out;
  EXPECT_LT(PeakRssMiB(), 256);
  // Inputs the manifest fuzzer found: yaml-cpp looping on empty documents,
  // and an alias inside itself (a stack overflow). Refused, no crash.
  for (const std::string& evil :
       {std::string(",a: &\""), std::string("a: &a [*a]\n")}) {
    EXPECT_EQ(PostApi("/v1/verify", evil, "127.0.0.3"), 400) << evil;
  }
  EXPECT_EQ(op_->Get("/readyz"), "ok: leader\n");

  int limited = 0;
  for (int i = 0; i < 40; ++i)
    if (PostApi("/v1/verify", "{}", "127.0.0.2") == 429) ++limited;
  EXPECT_GE(limited, 10);
  EXPECT_EQ(PostApi("/v1/verify", "{}", "127.0.0.1"), 400);  // served
  EXPECT_EQ(op_->Get("/readyz"), "ok: leader\n");
}

}  // namespace
}  // namespace sealsync::testing
