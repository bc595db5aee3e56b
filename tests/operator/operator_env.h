// Test environment for the operator on the real control plane: installs the
// CRDs, runs the sealsync-operator binary as a subprocess (its log captured),
// seals values for its keys and polls the API. Each test gets its own
// operator namespace and watched namespace.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/kube.h"
#include "sealsync/sealing.h"
#include "tests/support/control_plane.h"
#include "tests/support/eventually.h"
#include "tests/support/subprocess.h"

namespace sealsync::testing {

inline constexpr std::string_view kCanary = "canary-4b1d-never-log-me";

// A running operator. Its ports are read from its "serving" log line.
struct OperatorProcess {
  std::unique_ptr<Subprocess> proc;
  std::string log_path;
  std::string health;  // "127.0.0.1:PORT"
  std::string api;
  std::string Log() const { return ReadFile(log_path); }
  // curl against the operator; returns the body ("" on failure), sets *code.
  std::string Get(const std::string& url_path, long* code = nullptr,
                  const std::string& accept = "") const;
  // `curl_args` are added as they are (e.g. "-H 'X-Forwarded-For: ...'").
  std::string Post(const std::string& url_path, const std::string& body,
                   long* code = nullptr,
                   const std::string& curl_args = "") const;
};

class OperatorEnv {
 public:
  // nullptr with a reason in *why when the control plane is missing.
  explicit OperatorEnv(ControlPlane* cp);

  kube::Client& client() { return *client_; }
  const std::string& op_ns() const { return op_ns_; }
  const std::string& ns() const { return ns_; }
  // A second watched namespace (for copies across namespaces).
  const std::string& ns2() const { return ns2_; }

  // Starts an operator watching ns() with keys in op_ns() and short lease
  // timings; waits until it serves. `extra` flags are appended.
  std::unique_ptr<OperatorProcess> Start(
      const std::vector<std::string>& extra = {},
      const std::string& identity = "");

  // The newest recipient from the published ConfigMap (waits up to 30 s).
  std::optional<X25519Recipient> NewestRecipient();
  // All recipients in the ConfigMap, newest first.
  std::vector<X25519Recipient> Recipients();
  // The operator's sealing-key Secrets in op_ns(), as the API server has them.
  Result<kube::ListResult> SealingKeySecrets();

  // A SealedSecret JSON for `values` (sealed to `to`, bound to ns/name/scope).
  kube::Json SealedSecret(const std::string& name,
                          const std::map<std::string, std::string>& values,
                          const X25519Recipient& to,
                          Scope scope = Scope::kStrict,
                          const std::string& ns = "");
  Result<kube::Json> Apply(const kube::Json& obj);

  // The Ready condition of SealedSecret ns/name, if any.
  std::optional<kube::Json> Ready(const std::string& name,
                                  const std::string& ns = "");
  // WaitForSecretAndStatus (tests/support/cluster_read.h) in `ns`
  // (default ns()): `secret_ready` and the status of `owner` `name` current,
  // then the owner as read; nullopt after 30 s.
  std::optional<kube::Json> WaitForSecretAndStatus(
      const kube::Resource& owner, const std::string& name,
      const std::function<bool()>& secret_ready, std::string_view reason = "",
      const std::string& ns = "");
  // data[key] of Secret ns/name decoded, if the Secret exists.
  std::optional<std::string> SecretValue(const std::string& name,
                                         const std::string& key,
                                         const std::string& ns = "");
  // Every Event reason and note in `ns` (default ns()), one per line.
  std::string EventsText(const std::string& ns = "");

 private:
  ControlPlane* cp_;
  std::unique_ptr<kube::Client> client_;
  std::string op_ns_, ns_, ns2_;
  std::string binary_;
};

}  // namespace sealsync::testing
