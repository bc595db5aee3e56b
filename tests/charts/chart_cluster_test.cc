// charts/sealsync installed with the real helm CLI into the real control
// plane: install creates the CRDs and the operator's objects, upgrade
// changes the Deployment, uninstall removes the release and keeps the CRDs
// and the users' SealedSecrets. Then the real operator binary, running as
// the chart's ServiceAccount (a TokenRequest token) with the flags the chart
// rendered, turns a SealedSecret sealed by sealctl into a Secret: the
// chart's RBAC is enough, cluster-wide and with watchNamespaces, also where
// OwnerReferencesPermissionEnforcement is on (scripts/controlplane.sh turns
// it on, as OpenShift does).
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <sstream>

#include "lib/api/manifest.h"
#include "sealsync/sealed_secret.h"
#include "tests/charts/chart_env.h"

namespace sealsync::testing {
namespace {

using namespace std::chrono_literals;
using kube::Json;
using Args = std::vector<std::string>;

const std::vector<std::string> kCrdNames = {
    "sealedsecrets.sealsync.dev", "externalsecrets.sealsync.dev",
    "secretstores.sealsync.dev", "clustersecretstores.sealsync.dev",
    "clusterexternalsecrets.sealsync.dev"};

class ChartClusterTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChartEnv> env_;
};

// The release objects a platform engineer sees after `helm install`.
struct ReleaseObject {
  const kube::Resource* resource;
  std::string name;
  // Its key when the release is in namespace `ns`.
  kube::ObjectKey Key(const std::string& ns) const {
    return {resource->namespaced ? ns : "", name};
  }
};

std::vector<ReleaseObject> ReleaseObjects(const std::string& release) {
  return {{&kServiceAccounts, release},
          {&kClusterRoles, release},
          {&kClusterRoleBindings, release},
          {&kRoles, release},
          {&kRoleBindings, release},
          {&kRoles, release + "-recipients-reader"},
          {&kRoleBindings, release + "-recipients-reader"},
          {&kDeployments, release},
          {&kServices, release}};
}

TEST_F(ChartClusterTest, InstallUpgradeUninstallKeepsCrdsAndUserObjects) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  SEALSYNC_REQUIRE_HELM(helm);
  env_ = std::make_unique<ChartEnv>(cp, &*helm);
  kube::Client& client = env_->client();
  // Without the CRDs beforehand, so the test proves helm creates them.
  std::string why;
  ASSERT_TRUE(env_->DeleteCrds(kCrdNames, &why)) << why;

  const std::string ns = env_->UniqueName("chart-install");
  const std::string release = "sealsync-" + ns.substr(ns.rfind('-') + 1);
  HelmResult r = env_->Helm({"install", release, "charts/sealsync",
                             "--namespace", ns, "--create-namespace"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // NOTES.txt tells the user how to get the recipients.
  EXPECT_NE(r.out.find(
                "sealctl seal --fetch-recipients --controller-namespace " + ns),
            std::string::npos)
      << r.out;
  for (const auto& crd : kCrdNames) {
    EXPECT_TRUE(env_->CrdEstablished(crd)) << crd;
  }
  for (const auto& o : ReleaseObjects(release)) {
    auto got = client.Get(*o.resource, o.Key(ns));
    ASSERT_TRUE(got.has_value()) << o.resource->resource << " " << o.name
                                 << ": " << got.error().message();
    EXPECT_EQ((*got)["metadata"]["annotations"].value(
                  "meta.helm.sh/release-name", ""),
              release);
  }
  auto deploy = client.Get(kDeployments, {ns, release});
  ASSERT_TRUE(deploy.has_value());
  Args args = ContainerArgs(*deploy);
  EXPECT_NE(std::find(args.begin(), args.end(), "--namespace=" + ns),
            args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--workers=2"), args.end());
  int64_t generation = (*deploy)["metadata"]["generation"];

  // A user's SealedSecret (no operator runs; it only has to survive).
  Json sealed = {{"apiVersion", "sealsync.dev/v1alpha1"},
                 {"kind", "SealedSecret"},
                 {"metadata", {{"name", "kept"}, {"namespace", ns}}},
                 {"spec", {{"encryptedData", {{"password", "AAAA"}}}}}};
  ASSERT_TRUE(client.Apply(kSealedSecrets, sealed, {"chart-test", true}));

  r = env_->Helm({"upgrade", release, "charts/sealsync", "--namespace", ns,
                  "--reuse-values", "--set", "workers=5,logLevel=debug"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  deploy = client.Get(kDeployments, {ns, release});
  ASSERT_TRUE(deploy.has_value());
  args = ContainerArgs(*deploy);
  EXPECT_NE(std::find(args.begin(), args.end(), "--workers=5"), args.end());
  EXPECT_NE(std::find(args.begin(), args.end(), "--log-level=debug"),
            args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "--workers=2"), args.end());
  EXPECT_GT((*deploy)["metadata"]["generation"].get<int64_t>(), generation);

  r = env_->Helm({"uninstall", release, "--namespace", ns});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& o : ReleaseObjects(release)) {
    auto got = client.Get(*o.resource, o.Key(ns));
    ASSERT_FALSE(got.has_value()) << o.resource->resource << " " << o.name;
    EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
  }
  for (const auto& crd : kCrdNames) {
    EXPECT_TRUE(env_->CrdEstablished(crd)) << crd << " gone after uninstall";
  }
  EXPECT_TRUE(client.Get(kSealedSecrets, {ns, "kept"}).has_value())
      << "uninstall deleted a user's SealedSecret";
  // Not left for operators of later tests to trip over.
  (void)client.Delete(kSealedSecrets, {ns, "kept"});
  env_->DeleteNamespace(ns);
}

// Installs a release (values `set`), runs the operator as its
// ServiceAccount with the Deployment's flags, and checks that a sealed
// Secret in `team` is unsealed and a refused one gets a Warning Event. The
// release stays installed.
void OperatorServesWithTheChartsRbac(ChartEnv& env, const std::string& ns,
                                     const std::string& team,
                                     const std::string& release,
                                     const Args& set) {
  Args install = {"install",     release, "charts/sealsync",
                  "--namespace", ns,      "--create-namespace"};
  install.insert(install.end(), set.begin(), set.end());
  HelmResult r = env.Helm(install);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& crd : kCrdNames) ASSERT_TRUE(env.CrdEstablished(crd));

  std::string why;
  auto op = env.StartOperator(ns, release, &why);
  ASSERT_NE(op, nullptr) << "operator did not start: " << why;
  ASSERT_TRUE(
      Eventually([&] { return op->Get("/readyz") == "ok: leader\n"; }, 30s))
      << op->Log();

  // Any authenticated user fetches the recipients and seals with sealctl.
  std::string secret =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: db, "
      "namespace: " +
      team + "}\nstringData: {password: " + std::string(kCanary) + "}\n";
  std::string sealed;
  ASSERT_TRUE(
      Eventually([&] { return env.Seal(ns, secret, &sealed) == 0; }, 30s))
      << sealed;
  auto obj = api::ParseManifest(sealed, api::Scalars::kTyped);
  ASSERT_TRUE(obj.has_value()) << sealed;
  Json good = Json::parse(obj->dump());
  ASSERT_TRUE(env.client().Apply(kSealedSecrets, good, {"chart-test", true}));
  EXPECT_TRUE(Eventually(
      [&] { return env.SecretValue(team, "db", "password") == kCanary; }, 30s))
      << op->Log();

  // Bound to "db": under another name it is refused, with an Event.
  Json moved = good;
  moved["metadata"]["name"] = "db-copy";
  ASSERT_TRUE(env.client().Apply(kSealedSecrets, moved, {"chart-test", true}));
  EXPECT_TRUE(Eventually(
      [&] {
        return env.EventsText(team).find(std::string(
                   sealed::kReasonScopeMismatch)) != std::string::npos;
      },
      30s))
      << env.EventsText(team) << op->Log();

  op->proc->Signal(SIGTERM);
  EXPECT_EQ(op->proc->Wait(20s), 0) << op->Log();
  // No request was refused (RBAC, or blockOwnerDeletion without finalizers
  // rights), except for writes into namespaces other tests are deleting.
  std::string log = op->Log();
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("403 Forbidden") == std::string::npos) continue;
    if (line.find("because it is being terminated") != std::string::npos)
      continue;
    ADD_FAILURE() << "operator was refused: " << line;
  }
  EXPECT_EQ(log.find(kCanary), std::string::npos);
}

TEST_F(ChartClusterTest, OperatorRunsWithClusterWideRbac) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  SEALSYNC_REQUIRE_HELM(helm);
  env_ = std::make_unique<ChartEnv>(cp, &*helm);
  const std::string ns = env_->UniqueName("chart-op");
  const std::string team = cp->NewNamespace("chart-team");
  const std::string release = "sealsync-" + ns.substr(ns.rfind('-') + 1);
  ASSERT_NO_FATAL_FAILURE(
      OperatorServesWithTheChartsRbac(*env_, ns, team, release, {}));
  EXPECT_EQ(env_->Helm({"uninstall", release, "--namespace", ns}).exit_code, 0);
  env_->DeleteNamespace(team);
  env_->DeleteNamespace(ns);
}

TEST_F(ChartClusterTest, OperatorRunsWithRbacOnlyInWatchedNamespaces) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  SEALSYNC_REQUIRE_HELM(helm);
  env_ = std::make_unique<ChartEnv>(cp, &*helm);
  const std::string ns = env_->UniqueName("chart-op");
  const std::string team = cp->NewNamespace("chart-team");
  const std::string other = cp->NewNamespace("chart-other");
  const std::string release = "sealsync-" + ns.substr(ns.rfind('-') + 1);
  ASSERT_NO_FATAL_FAILURE(OperatorServesWithTheChartsRbac(
      *env_, ns, team, release, {"--set", "watchNamespaces={" + team + "}"}));
  // The ServiceAccount reads Secrets in the watched namespace only.
  auto sa = env_->ServiceAccountClient(ns, release);
  ASSERT_NE(sa, nullptr);
  EXPECT_TRUE(sa->List(kube::kSecrets, team, {}).has_value());
  for (const std::string& where : {other, std::string()}) {
    auto denied = sa->List(kube::kSecrets, where, {});
    ASSERT_FALSE(denied.has_value()) << "secrets in '" << where << "'";
    EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);
  }
  auto denied = sa->List(kSealedSecrets, other, {});
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(env_->Helm({"uninstall", release, "--namespace", ns}).exit_code, 0);
  for (const auto& n : {team, other, ns}) env_->DeleteNamespace(n);
}

}  // namespace
}  // namespace sealsync::testing
