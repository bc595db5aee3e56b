// The real helm CLI (built by scripts/helm.sh) for the chart tests, and
// helpers to read what `helm template` renders.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sealsync/kube.h"

namespace sealsync::testing {

struct HelmResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A HelmRunner runs the helm binary in the source tree with its own
// HELM_CONFIG_HOME, HELM_CACHE_HOME and HELM_DATA_HOME (nothing of the
// user's helm setup leaks in). Not thread-safe; move-only.
class HelmRunner {
 public:
  // The binary named by $SEALSYNC_HELM, else the one `scripts/helm.sh path`
  // names. nullopt, with the reason in *why, when there is none.
  static std::optional<HelmRunner> Find(std::string* why);

  HelmRunner(HelmRunner&& other) noexcept;
  HelmRunner& operator=(HelmRunner&&) = delete;
  HelmRunner(const HelmRunner&) = delete;
  // Removes the HELM_* folders.
  ~HelmRunner();

  // Runs `helm args...` and waits for it.
  HelmResult Run(const std::vector<std::string>& args) const;
  const std::string& binary() const { return binary_; }

 private:
  HelmRunner(std::string binary, std::string home)
      : binary_(std::move(binary)), home_(std::move(home)) {}
  std::string binary_;
  std::string home_;
};

// `s` quoted for /bin/sh.
std::string ShellQuote(std::string_view s);

// The objects in multi-document YAML (e.g. `helm template` output), in
// order; empty documents are dropped. On a parse error: empty, *error set.
std::vector<kube::Json> ParseDocuments(const std::string& yaml,
                                       std::string* error);

// The objects of `kind` in `docs`.
std::vector<kube::Json> OfKind(const std::vector<kube::Json>& docs,
                               std::string_view kind);

// The object of `kind` named `name` (in namespace `ns` when not empty), or
// nullopt.
std::optional<kube::Json> Find(const std::vector<kube::Json>& docs,
                               std::string_view kind, std::string_view name,
                               std::string_view ns = "");

// The args of the first container of Deployment `deployment`.
std::vector<std::string> ContainerArgs(const kube::Json& deployment);

// True if some rule of Role/ClusterRole `role` grants `verb` on `resource`
// (e.g. "secrets", "sealedsecrets/status") in API group `group`, for
// some object at least (resourceNames are not looked at).
bool Grants(const kube::Json& role, std::string_view group,
            std::string_view resource, std::string_view verb);

}  // namespace sealsync::testing

// Skips the test when helm is not built, except in CI (CI=true), where that
// is a failure: the chart tests must really run there.
#define SEALSYNC_REQUIRE_HELM(helm)                            \
  std::string helm##_why;                                      \
  std::optional<::sealsync::testing::HelmRunner> helm =        \
      ::sealsync::testing::HelmRunner::Find(&helm##_why);      \
  if (!helm) {                                                 \
    const char* ci = std::getenv("CI");                        \
    if (ci != nullptr && std::string(ci) == "true") {          \
      FAIL() << "no helm (" << helm##_why << "); CI needs it"; \
    }                                                          \
    GTEST_SKIP() << "no helm (" << helm##_why                  \
                 << "); run: bash scripts/helm.sh build";      \
  }
