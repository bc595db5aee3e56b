// Test environment for the chart on the real control plane: helm with the
// admin kubeconfig, CRD and namespace housekeeping, TokenRequest tokens for
// the chart's ServiceAccount, the real operator run as that account with
// the flags the chart rendered, and sealctl as an unprivileged user.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sealsync/kube.h"
#include "tests/charts/helm_runner.h"
#include "tests/support/control_plane.h"
#include "tests/support/eventually.h"
#include "tests/support/subprocess.h"

namespace sealsync::testing {

inline const kube::Resource kServiceAccounts{"", "v1", "serviceaccounts", true};
inline const kube::Resource kServices{"", "v1", "services", true};
inline const kube::Resource kDeployments{"apps", "v1", "deployments", true};
inline const kube::Resource kRoles{"rbac.authorization.k8s.io", "v1", "roles",
                                   true};
inline const kube::Resource kRoleBindings{"rbac.authorization.k8s.io", "v1",
                                          "rolebindings", true};
inline const kube::Resource kClusterRoles{"rbac.authorization.k8s.io", "v1",
                                          "clusterroles", false};
inline const kube::Resource kClusterRoleBindings{
    "rbac.authorization.k8s.io", "v1", "clusterrolebindings", false};
inline const kube::Resource kSealedSecrets{"sealsync.dev", "v1alpha1",
                                           "sealedsecrets", true};

// A value that must reach the derived Secret and never a log line.
inline constexpr std::string_view kCanary = "chart-canary-7f3e-never-log-me";

// The operator binary running in the background, its log in a file.
struct ChartOperator {
  std::unique_ptr<Subprocess> proc;
  std::string log_path;
  std::string health;  // "127.0.0.1:PORT" of /healthz, /readyz, /metrics
  std::string Log() const { return ReadFile(log_path); }
  // GET on the health port; the body, "" on failure.
  std::string Get(const std::string& path) const;
};

class ChartEnv {
 public:
  ChartEnv(ControlPlane* cp, const HelmRunner* helm);

  kube::Client& client() { return *client_; }
  // helm `args` --kubeconfig <the control plane's admin kubeconfig>.
  HelmResult Helm(std::vector<std::string> args) const;
  // `prefix` + "-" + a random number: a name no other test uses.
  static std::string UniqueName(const std::string& prefix);

  // Deletes these CRDs (with every object of theirs) and waits until they
  // are gone. False if one is still there after 120 s, with its status in
  // *why.
  bool DeleteCrds(const std::vector<std::string>& names, std::string* why);
  // Polls up to 30 s for CRD `name` to be Established.
  bool CrdEstablished(const std::string& name);
  void DeleteNamespace(const std::string& ns);

  // A kubeconfig (in this env's folder) authenticating as ServiceAccount
  // ns/name with a token from the TokenRequest API; "" on failure.
  std::string ServiceAccountKubeconfig(const std::string& ns,
                                       const std::string& name);
  std::unique_ptr<kube::Client> ServiceAccountClient(const std::string& ns,
                                                     const std::string& name);

  // Runs the operator as Deployment ns/release's ServiceAccount with the
  // Deployment's args (its listen addresses replaced by 127.0.0.1:0) and
  // waits until it serves. nullptr if it does not, with why in *why.
  std::unique_ptr<ChartOperator> StartOperator(const std::string& ns,
                                               const std::string& release,
                                               std::string* why);

  // `sealctl seal` of Secret manifest `secret_yaml` by a user with no RBAC
  // of its own, recipients from the cluster (operator namespace `ns`).
  // Returns its exit code; *out is stdout, or stderr on failure.
  int Seal(const std::string& ns, const std::string& secret_yaml,
           std::string* out);

  // data[key] of Secret ns/name, decoded; "" if missing.
  std::string SecretValue(const std::string& ns, const std::string& name,
                          const std::string& key);
  // Every Event in `ns`: "reason: note" lines.
  std::string EventsText(const std::string& ns);

 private:
  ControlPlane* cp_;
  const HelmRunner* helm_;
  std::unique_ptr<kube::Client> client_;
  std::string dir_;  // this env's files (kubeconfigs, logs, manifests)
  std::string nobody_kubeconfig_;  // made on first Seal()
};

}  // namespace sealsync::testing
