// charts/sealsync under the real helm CLI, without a cluster: it lints,
// renders the operator's manifests from values, refuses bad values with a
// message naming them, and its copies (chart CRDs, deploy/) match their
// sources.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "tests/charts/helm_runner.h"
#include "tests/support/control_plane.h"

namespace sealsync::testing {
namespace {

namespace fs = std::filesystem;
using kube::Json;
using Args = std::vector<std::string>;

constexpr char kChart[] = "charts/sealsync";
constexpr char kNs[] = "platform";

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Every kind rendered, with how many of each.
std::map<std::string, int> KindCounts(const std::vector<Json>& docs) {
  std::map<std::string, int> counts;
  for (const auto& d : docs) ++counts[d.value("kind", "")];
  return counts;
}

class ChartRenderTest : public ::testing::Test {
 protected:
  // `helm template RELEASE charts/sealsync -n platform extra...`, parsed.
  std::vector<Json> Template(const HelmRunner& helm, const Args& extra = {},
                             const std::string& release = "sealsync") {
    Args args = {"template", release, kChart, "--namespace", kNs};
    args.insert(args.end(), extra.begin(), extra.end());
    HelmResult r = helm.Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string error;
    auto docs = ParseDocuments(r.out, &error);
    EXPECT_TRUE(error.empty()) << error;
    return docs;
  }
};

TEST_F(ChartRenderTest, LintPasses) {
  SEALSYNC_REQUIRE_HELM(helm);
  for (const Args& args :
       {Args{"lint", kChart}, Args{"lint", "--strict", kChart}}) {
    HelmResult r = helm->Run(args);
    EXPECT_EQ(r.exit_code, 0) << args[1] << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("1 chart(s) linted, 0 chart(s) failed"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("[WARNING]"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("[ERROR]"), std::string::npos) << r.out;
  }
}

TEST_F(ChartRenderTest, DefaultsRenderTheOperatorWithClusterWideRbac) {
  SEALSYNC_REQUIRE_HELM(helm);
  auto docs = Template(*helm);
  std::map<std::string, int> want = {
      {"ServiceAccount", 1},
      {"ClusterRole", 3},  // operator, edit, view
      {"ClusterRoleBinding", 1},
      {"Role", 2},  // the operator's own namespace;
                    // the recipients reader
      {"RoleBinding", 2},
      {"Deployment", 1},
      {"Service", 1},
      {"PodDisruptionBudget", 1}};  // replicas > 1
  EXPECT_EQ(KindCounts(docs), want);
  for (const auto& d : docs) {
    if (d["kind"] == "ClusterRole" || d["kind"] == "ClusterRoleBinding")
      continue;
    EXPECT_EQ(d["metadata"].value("namespace", ""), kNs) << d.dump();
  }

  auto deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  EXPECT_EQ((*deploy)["spec"]["replicas"], 2);
  const Json& pod = (*deploy)["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "sealsync");
  EXPECT_EQ(pod["containers"][0]["image"], "sealsync/operator:0.1.0");
  EXPECT_EQ(pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"],
            true);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(
      ContainerArgs(*deploy),
      (Args{"--namespace=platform", "--health-addr=:8081", "--api-addr=:8080",
            "--serve-api=api-port", "--leader-elect=true", "--workers=2",
            "--key-renewal=720h", "--log-format=json", "--log-level=info",
            // Infisical's cloud only, https only, unless the platform says
            "--vault-allowed-hosts=app.infisical.com,us.infisical.com,"
            "eu.infisical.com",
            "--vault-max-response-mib=32"}));

  // Requests so the scheduler reserves room, a memory limit, a soft spread
  // of the replicas over nodes, and a budget that keeps one through drains.
  const Json& res = pod["containers"][0]["resources"];
  EXPECT_EQ(res["requests"]["memory"], "64Mi");
  EXPECT_EQ(res["limits"]["memory"], "256Mi");
  const Json& spread = pod["affinity"]["podAntiAffinity"]
                          ["preferredDuringSchedulingIgnoredDuringExecution"];
  ASSERT_EQ(spread.size(), 1u) << pod.dump();
  EXPECT_EQ(spread[0]["podAffinityTerm"]["topologyKey"],
            "kubernetes.io/hostname");
  EXPECT_FALSE(pod.contains("priorityClassName"));
  auto pdb = Find(docs, "PodDisruptionBudget", "sealsync", kNs);
  ASSERT_TRUE(pdb.has_value());
  EXPECT_EQ((*pdb)["spec"]["minAvailable"], 1);
  EXPECT_EQ((*pdb)["spec"]["selector"]["matchLabels"],
            (*deploy)["spec"]["selector"]["matchLabels"]);

  auto svc = Find(docs, "Service", "sealsync", kNs);
  ASSERT_TRUE(svc.has_value());
  const Json& ports = (*svc)["spec"]["ports"];
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0]["name"], "api");
  EXPECT_EQ(ports[0]["port"], 8080);
  EXPECT_EQ(ports[1]["name"], "health");
  EXPECT_EQ(ports[1]["port"], 8081);

  auto cluster_role = Find(docs, "ClusterRole", "sealsync");
  ASSERT_TRUE(cluster_role.has_value());
  EXPECT_TRUE(Grants(*cluster_role, "", "secrets", "create"));
  EXPECT_TRUE(Grants(*cluster_role, "sealsync.dev", "sealedsecrets", "watch"));
  EXPECT_TRUE(
      Grants(*cluster_role, "sealsync.dev", "clustersecretstores", "list"));
  // ClusterExternalSecrets: the kind, its status, the Namespaces it selects
  // and the ExternalSecrets it provisions.
  EXPECT_TRUE(
      Grants(*cluster_role, "sealsync.dev", "clusterexternalsecrets", "watch"));
  EXPECT_TRUE(Grants(*cluster_role, "sealsync.dev",
                     "clusterexternalsecrets/status", "patch"));
  EXPECT_TRUE(Grants(*cluster_role, "", "namespaces", "list"));
  EXPECT_FALSE(Grants(*cluster_role, "", "namespaces", "patch"));
  EXPECT_TRUE(
      Grants(*cluster_role, "sealsync.dev", "externalsecrets", "delete"));
  // Kubernetes auth for Infisical: tokens for the ServiceAccounts stores name.
  EXPECT_TRUE(Grants(*cluster_role, "", "serviceaccounts/token", "create"));
  EXPECT_FALSE(Grants(*cluster_role, "", "serviceaccounts", "create"));
  // Their consent is read from the ServiceAccount (login_consent.h): get only.
  EXPECT_TRUE(Grants(*cluster_role, "", "serviceaccounts", "get"));
  EXPECT_FALSE(Grants(*cluster_role, "", "serviceaccounts", "list"));
  EXPECT_FALSE(Grants(*cluster_role, "", "serviceaccounts", "patch"));
  // templateFrom ConfigMaps are read when rendering: get, never list/watch
  // (the operator caches no tenant ConfigMaps).
  EXPECT_TRUE(Grants(*cluster_role, "", "configmaps", "get"));
  EXPECT_FALSE(Grants(*cluster_role, "", "configmaps", "list"));
  EXPECT_FALSE(Grants(*cluster_role, "", "configmaps", "watch"));
  // Workload reload is off: no access to workloads.
  EXPECT_FALSE(Grants(*cluster_role, "apps", "deployments", "patch"));
  EXPECT_FALSE(Grants(*cluster_role, "apps", "deployments", "list"));
  auto own = Find(docs, "Role", "sealsync", kNs);
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(Grants(*own, "coordination.k8s.io", "leases", "update"));
  EXPECT_TRUE(Grants(*own, "", "configmaps", "patch"));

  auto reader = Find(docs, "RoleBinding", "sealsync-recipients-reader", kNs);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)["subjects"][0]["name"], "system:authenticated");
}

TEST_F(ChartRenderTest, WatchNamespacesRenderNamespacedRolesAndTheFlag) {
  SEALSYNC_REQUIRE_HELM(helm);
  auto docs = Template(*helm, {"--set", "watchNamespaces={team-a,team-b}"});
  auto deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  EXPECT_TRUE(
      Contains(ContainerArgs(*deploy), "--watch-namespaces=team-a,team-b"));

  for (const char* ns : {"team-a", "team-b"}) {
    auto role = Find(docs, "Role", "sealsync-watched", ns);
    ASSERT_TRUE(role.has_value()) << ns;
    EXPECT_TRUE(Grants(*role, "", "secrets", "create")) << ns;
    EXPECT_TRUE(Grants(*role, "sealsync.dev", "sealedsecrets", "watch")) << ns;
    EXPECT_TRUE(Grants(*role, "sealsync.dev", "sealedsecrets/status", "patch"));
    EXPECT_TRUE(Grants(*role, "events.k8s.io", "events", "create")) << ns;
    EXPECT_TRUE(Grants(*role, "sealsync.dev", "externalsecrets", "create"))
        << ns;
    auto binding = Find(docs, "RoleBinding", "sealsync-watched", ns);
    ASSERT_TRUE(binding.has_value()) << ns;
    EXPECT_EQ((*binding)["subjects"][0]["name"], "sealsync");
    EXPECT_EQ((*binding)["subjects"][0]["namespace"], kNs);
  }
  // Nothing cluster-wide but the cluster-scoped kind.
  auto cluster_role = Find(docs, "ClusterRole", "sealsync");
  ASSERT_TRUE(cluster_role.has_value());
  EXPECT_FALSE(Grants(*cluster_role, "", "secrets", "get"));
  EXPECT_FALSE(Grants(*cluster_role, "sealsync.dev", "sealedsecrets", "list"));
  EXPECT_TRUE(
      Grants(*cluster_role, "sealsync.dev", "clustersecretstores", "watch"));
  EXPECT_TRUE(
      Grants(*cluster_role, "sealsync.dev", "clusterexternalsecrets", "watch"));
  EXPECT_TRUE(Grants(*cluster_role, "", "namespaces", "watch"));
  // Its own namespace still holds its keys.
  auto own = Find(docs, "Role", "sealsync", kNs);
  ASSERT_TRUE(own.has_value());
  EXPECT_TRUE(Grants(*own, "", "secrets", "create"));
}

TEST_F(ChartRenderTest, ValuesBecomeOperatorFlags) {
  SEALSYNC_REQUIRE_HELM(helm);
  const std::string recipient =
      "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
  auto docs = Template(
      *helm,
      {"--set", "replicas=1,leaderElect=false,workers=8,logFormat=text",
       "--set", "keyRenewal=0",
       "--set", "breakGlassRecipient=" + recipient,
       "--set", "extraArgs={--lease-duration=30s}",
       "--set", "vault.allowedHosts={vault.example.com,vault.example.com}",
       "--set", "vault.insecureHosts={127.0.0.1}",
       "--set", "vault.maxResponseMiB=8",
       "--set", "image.tag=0.2.0-rc1",
       "--set", "auditLog=stderr",
       "--set", "reload.enabled=true,reload.window=30s"});
  auto deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  Args args = ContainerArgs(*deploy);
  for (const std::string& want :
       {std::string("--leader-elect=false"), std::string("--workers=8"),
        std::string("--key-renewal=0"), std::string("--log-format=text"),
        "--break-glass-recipient=" + recipient,
        std::string("--lease-duration=30s"),
        std::string("--vault-allowed-hosts=vault.example.com"),
        std::string("--vault-insecure-hosts=127.0.0.1"),
        std::string("--vault-max-response-mib=8"),
        std::string("--audit-log=stderr"), std::string("--reload-workloads"),
        std::string("--reload-window=30s")}) {
    EXPECT_TRUE(Contains(args, want)) << want;
  }
  EXPECT_EQ((*deploy)["spec"]["replicas"], 1);
  EXPECT_EQ((*deploy)["spec"]["template"]["spec"]["containers"][0]["image"],
            "sealsync/operator:0.2.0-rc1");
  // reload.enabled adds patch on the workloads it restarts.
  auto cluster_role = Find(docs, "ClusterRole", "sealsync");
  ASSERT_TRUE(cluster_role.has_value());
  for (const char* kind : {"deployments", "statefulsets", "daemonsets"}) {
    EXPECT_TRUE(Grants(*cluster_role, "apps", kind, "patch")) << kind;
    EXPECT_TRUE(Grants(*cluster_role, "apps", kind, "watch")) << kind;
  }
}

TEST_F(ChartRenderTest, AvailabilityAndMonitoringFollowTheirValues) {
  SEALSYNC_REQUIRE_HELM(helm);
  // One replica: no budget (it would block every drain), nothing to spread.
  auto docs = Template(*helm, {"--set", "replicas=1"});
  EXPECT_FALSE(Find(docs, "PodDisruptionBudget", "sealsync", kNs).has_value());
  auto deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  EXPECT_FALSE((*deploy)["spec"]["template"]["spec"].contains("affinity"));

  docs = Template(*helm, {"--set", "podDisruptionBudget.enabled=false", "--set",
                          "priorityClassName=platform-critical", "--set",
                          "serviceMonitor.enabled=true", "--set",
                          "serviceMonitor.labels.release=prom"});
  EXPECT_FALSE(Find(docs, "PodDisruptionBudget", "sealsync", kNs).has_value());
  deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  EXPECT_EQ((*deploy)["spec"]["template"]["spec"]["priorityClassName"],
            "platform-critical");
  auto sm = Find(docs, "ServiceMonitor", "sealsync", kNs);
  ASSERT_TRUE(sm.has_value());
  EXPECT_EQ((*sm)["metadata"]["labels"]["release"], "prom");
  EXPECT_EQ((*sm)["spec"]["endpoints"][0]["port"], "health");
  EXPECT_EQ((*sm)["spec"]["endpoints"][0]["path"], "/metrics");
}

TEST_F(ChartRenderTest, OptionalObjectsFollowTheirValues) {
  SEALSYNC_REQUIRE_HELM(helm);
  auto docs =
      Template(*helm, {"--set", "recipientsReadableByAllAuthenticated=false"});
  EXPECT_FALSE(Find(docs, "Role", "sealsync-recipients-reader").has_value());
  EXPECT_TRUE(Find(docs, "Role", "sealsync").has_value());

  docs = Template(*helm, {"--set", "rbac.create=false"});
  EXPECT_EQ(KindCounts(docs),
            (std::map<std::string, int>{{"ServiceAccount", 1},
                                        {"Deployment", 1},
                                        {"Service", 1},
                                        {"PodDisruptionBudget", 1}}));

  docs = Template(*helm, {"--set", "serviceAccount.create=false", "--set",
                          "serviceAccount.name=ops-sa"});
  EXPECT_TRUE(OfKind(docs, "ServiceAccount").empty());
  auto deploy = Find(docs, "Deployment", "sealsync", kNs);
  ASSERT_TRUE(deploy.has_value());
  EXPECT_EQ((*deploy)["spec"]["template"]["spec"]["serviceAccountName"],
            "ops-sa");
  auto binding = Find(docs, "ClusterRoleBinding", "sealsync");
  ASSERT_TRUE(binding.has_value());
  EXPECT_EQ((*binding)["subjects"][0]["name"], "ops-sa");

  // The API on the health port: the Service's "api" port leads there and
  // the container opens no API port; off: no "api" port at all.
  for (const std::string& mode : {"health-port", "off"}) {
    docs = Template(*helm, {"--set", "service.serveApi=" + mode});
    auto d = Find(docs, "Deployment", "sealsync", kNs);
    auto svc = Find(docs, "Service", "sealsync", kNs);
    ASSERT_TRUE(d.has_value() && svc.has_value());
    EXPECT_TRUE(Contains(ContainerArgs(*d), "--serve-api=" + mode));
    const Json& cports =
        (*d)["spec"]["template"]["spec"]["containers"][0]["ports"];
    ASSERT_EQ(cports.size(), 1u) << mode;
    EXPECT_EQ(cports[0]["name"], "health");
    const Json& sports = (*svc)["spec"]["ports"];
    if (mode == "off") {
      ASSERT_EQ(sports.size(), 1u);
      EXPECT_EQ(sports[0]["name"], "health");
    } else {
      ASSERT_EQ(sports.size(), 2u);
      EXPECT_EQ(sports[0]["name"], "api");
      EXPECT_EQ(sports[0]["targetPort"], "health");
    }
  }

  // Another release name gives other object names (and Service name).
  docs = Template(*helm, {}, "vault-sync");
  EXPECT_TRUE(Find(docs, "Service", "vault-sync-sealsync", kNs).has_value());
}

// The tenant grant (docs/security.md): aggregated to edit/admin and view,
// sealsync's kinds only, never Secrets; the NetworkPolicy admits only the
// listed peers to each port.
TEST_F(ChartRenderTest, TenantRolesAndNetworkPolicy) {
  SEALSYNC_REQUIRE_HELM(helm);
  auto docs = Template(*helm);
  auto edit = Find(docs, "ClusterRole", "sealsync-edit");
  ASSERT_TRUE(edit.has_value());
  const Json& labels = (*edit)["metadata"]["labels"];
  EXPECT_EQ(labels.value("rbac.authorization.k8s.io/aggregate-to-edit", ""),
            "true");
  EXPECT_EQ(labels.value("rbac.authorization.k8s.io/aggregate-to-admin", ""),
            "true");
  for (const char* r : {"sealedsecrets", "externalsecrets", "secretstores"})
    EXPECT_TRUE(Grants(*edit, "sealsync.dev", r, "create")) << r;
  EXPECT_FALSE(Grants(*edit, "", "secrets", "get"));
  EXPECT_FALSE(Grants(*edit, "sealsync.dev", "sealedsecrets/status", "patch"));
  EXPECT_FALSE(Grants(*edit, "sealsync.dev", "clustersecretstores", "create"));
  EXPECT_FALSE(
      Grants(*edit, "sealsync.dev", "clusterexternalsecrets", "create"));
  auto view = Find(docs, "ClusterRole", "sealsync-view");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ((*view)["metadata"]["labels"].value(
                "rbac.authorization.k8s.io/aggregate-to-view", ""),
            "true");
  EXPECT_TRUE(Grants(*view, "sealsync.dev", "externalsecrets", "list"));
  EXPECT_FALSE(Grants(*view, "sealsync.dev", "externalsecrets", "create"));
  EXPECT_TRUE(OfKind(docs, "NetworkPolicy").empty());

  docs = Template(*helm, {"--set", "rbac.aggregateToDefaultRoles=false"});
  EXPECT_FALSE(Find(docs, "ClusterRole", "sealsync-edit").has_value());

  docs = Template(*helm, {"--set", "networkPolicy.enabled=true"});
  auto closed = Find(docs, "NetworkPolicy", "sealsync", kNs);
  ASSERT_TRUE(closed.has_value());
  EXPECT_TRUE((*closed)["spec"]["ingress"].is_null() ||
              (*closed)["spec"]["ingress"].empty())
      << closed->dump();
  docs = Template(*helm, {"--set", "networkPolicy.enabled=true", "--set-json",
                          "networkPolicy.apiFrom=[{\"ipBlock\":{\"cidr\":"
                          "\"10.0.0.10/32\"}}]"});
  auto open = Find(docs, "NetworkPolicy", "sealsync", kNs);
  ASSERT_TRUE(open.has_value());
  const Json& ingress = (*open)["spec"]["ingress"];
  ASSERT_EQ(ingress.size(), 1u) << open->dump();
  EXPECT_EQ(ingress[0]["ports"][0]["port"], "api");
  EXPECT_EQ(ingress[0]["from"][0]["ipBlock"]["cidr"], "10.0.0.10/32");
}

// Each bad value fails rendering with a message naming it.
TEST_F(ChartRenderTest, BadValuesFailNamingTheValue) {
  SEALSYNC_REQUIRE_HELM(helm);
  struct Case {
    Args set;
    std::string named;
  };
  const std::vector<Case> cases = {
      {{"--set-string", "replicas=two"}, "replicas"},
      {{"--set", "image.pullPolicy=Sometimes"}, "pullPolicy"},
      {{"--set", "keyRenewal=30d"}, "keyRenewal"},
      {{"--set", "workers=0"}, "workers"},
      {{"--set", "logFormat=xml"}, "logFormat"},
      {{"--set", "auditLog=audit.log"}, "auditLog"},
      {{"--set", "reload.window=soon"}, "window"},
      {{"--set", "watchNamespaces={Team_A}"}, "watchNamespaces"},
      {{"--set", "breakGlassRecipient=age1nope"}, "breakGlassRecipient"},
      {{"--set", "replica=3"}, "replica"},  // a typo is not silently ignored
      {{"--set", "replicas=3,leaderElect=false"}, "leaderElect"},
      {{"--set", "serviceAccount.create=false"}, "serviceAccount.name"},
  };
  for (const auto& c : cases) {
    Args args = {"template", "sealsync", kChart, "--namespace", kNs};
    args.insert(args.end(), c.set.begin(), c.set.end());
    HelmResult r = helm->Run(args);
    EXPECT_NE(r.exit_code, 0) << c.set[1] << " rendered:\n" << r.out;
    EXPECT_NE(r.err.find(c.named), std::string::npos)
        << c.set[1] << ": " << r.err;
  }
}

// charts/sealsync/crds and deploy/ are copies; scripts/sync_chart.sh --check
// passes on the tree and fails, naming the file, when a copy drifts.
TEST_F(ChartRenderTest, CopiesMatchTheirSourcesAndDriftIsCaught) {
  SEALSYNC_REQUIRE_HELM(helm);
  const fs::path src = SEALSYNC_SOURCE_DIR;
  std::string env = "SEALSYNC_HELM=" + ShellQuote(helm->binary()) + " ";
  std::string out;
  EXPECT_EQ(
      RunCommand(env + "bash " +
                     ShellQuote((src / "scripts/sync_chart.sh").string()) +
                     " --check 2>&1",
                 &out),
      0)
      << out;

  // A copy of the pieces the script reads, with one CRD edited.
  char tmpl[] = "/tmp/sealsync-sync-check.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path tree = tmpl;
  for (const char* dir :
       {"scripts", "crds", "charts", "deploy", "tests/helm"}) {
    fs::create_directories(tree / dir);
    fs::copy(src / dir, tree / dir, fs::copy_options::recursive);
  }
  const std::string crd = "crds/sealsync.dev_sealedsecrets.yaml";
  std::ofstream(tree / crd, std::ios::app) << "# an edit not yet synced\n";
  EXPECT_EQ(
      RunCommand(env + "bash " +
                     ShellQuote((tree / "scripts/sync_chart.sh").string()) +
                     " --check 2>&1",
                 &out),
      1);
  EXPECT_NE(out.find("charts/sealsync/" + crd + " differs"), std::string::npos)
      << out;
  EXPECT_NE(out.find("run: bash scripts/sync_chart.sh"), std::string::npos)
      << out;
  // Syncing repairs it.
  EXPECT_EQ(
      RunCommand(env + "bash " +
                     ShellQuote((tree / "scripts/sync_chart.sh").string()) +
                     " 2>&1 && " + env + "bash " +
                     ShellQuote((tree / "scripts/sync_chart.sh").string()) +
                     " --check 2>&1",
                 &out),
      0)
      << out;
  fs::remove_all(tree);
}

}  // namespace
}  // namespace sealsync::testing
