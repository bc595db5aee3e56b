// The real local control plane (scripts/controlplane.sh) for integration
// tests. Under CTest one is started by a fixture for all integration tests
// and named by SEALSYNC_CONTROLPLANE_DIR; a test binary run by hand starts
// its own on first use and stops it at exit.
#pragma once

#include <memory>
#include <string>

#include "sealsync/kube.h"

namespace sealsync::testing {

class ControlPlane {
 public:
  // The shared instance, started on first call. nullptr if it cannot start;
  // use SEALSYNC_REQUIRE_CONTROL_PLANE() rather than calling this directly.
  static ControlPlane* Shared();

  const std::string& dir() const { return dir_; }
  std::string kubeconfig() const { return dir_ + "/kubeconfig"; }
  int etcd_port() const;

  // A fresh client for the admin identity.
  std::unique_ptr<kube::Client> NewClient() const;
  // Stops and starts kube-apiserver (same port and flags). True on success.
  bool RestartApiServer() const;
  // Compacts etcd's history up to its current revision (forces 410 Gone for
  // older resourceVersions). True on success.
  bool CompactEtcd() const;
  // Writes, in folder `dir`, a kubeconfig for user `user`: a client
  // certificate from the cluster CA and no RBAC bindings at all. Returns its
  // path ("" on failure).
  std::string UnprivilegedKubeconfig(const std::string& dir,
                                     const std::string& user) const;

  // Creates a namespace with a unique name starting with `prefix`.
  std::string NewNamespace(const std::string& prefix) const;

  ~ControlPlane();

 private:
  explicit ControlPlane(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  bool owned_ = true;  // started (and so stopped) by this process
};

// Runs a shell command, returns its exit status and stdout.
int RunCommand(const std::string& command, std::string* out = nullptr);

}  // namespace sealsync::testing

// Skips the test when no control plane can start, except in CI (CI=true),
// where that is a failure: integration tests must really run there.
#define SEALSYNC_REQUIRE_CONTROL_PLANE(cp)                                   \
  ::sealsync::testing::ControlPlane* cp =                                    \
      ::sealsync::testing::ControlPlane::Shared();                           \
  if (cp == nullptr) {                                                       \
    const char* ci = std::getenv("CI");                                      \
    if (ci != nullptr && std::string(ci) == "true") {                        \
      FAIL() << "control plane did not start (see stderr); CI needs it";     \
    }                                                                        \
    GTEST_SKIP()                                                             \
        << "control plane did not start; run scripts/controlplane.sh build"; \
  }
