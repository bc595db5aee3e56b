// The Operator wires everything together: watchers and stores for
// SealedSecrets, the Secrets it manages and its sealing keys; the key manager;
// leader election; the SealedSecret controller; the health/metrics and API
// HTTP servers; the event recorder. main.cc only parses flags into
// OperatorOptions and calls Run().
//
// Lifecycle: Start() begins watching and serving at once (a standby keeps its
// caches warm and answers the API); when this replica leads (or leader
// election is off) it loads or creates keys and starts the workers. Stop()
// (SIGTERM) finishes in-flight reconciles, releases the Lease and flushes
// Events. Losing the Lease while leading stops the workers and makes Run()
// return kAborted, so the process exits and restarts cleanly.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/kube.h"
#include "sealsync/vault.h"

namespace sealsync::op {

// Where the public API (/v1/...) is served (--serve-api).
enum class ServeApi { kApiPort, kHealthPort, kOff };

struct OperatorOptions {
  kube::RestConfig rest;
  std::string ns;                             // keys, Lease, ConfigMaps
  std::vector<std::string> watch_namespaces;  // empty: all
  int workers = 2;
  std::chrono::milliseconds key_renewal{std::chrono::hours(720)};
  bool leader_elect = true;
  std::string identity;  // Lease holder and Event reporting instance
  std::string health_address = "0.0.0.0";
  uint16_t health_port = 8081;  // /healthz /readyz /metrics
  std::string api_address = "0.0.0.0";
  uint16_t api_port = 8080;  // /v1/...
  ServeApi serve_api = ServeApi::kApiPort;
  std::optional<X25519Recipient> break_glass;
  std::chrono::seconds lease_duration{15};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  // Vault hosts the SecretStores may name (--vault-allowed-hosts,
  // --vault-insecure-hosts): Infisical's cloud by default, https only.
  size_t vault_max_response_bytes = size_t{32} << 20;  // per vault answer
  // The audit trail (operator/audit.h): "" counts only, "stderr", or a file
  // appended to.
  std::string audit_log;
  // Workload reload (operator/reload_reconciler.h), off unless enabled: it
  // watches Deployments, StatefulSets and DaemonSets and patches them.
  bool reload = false;
  std::chrono::milliseconds reload_window{std::chrono::seconds(10)};
  vault::HostPolicy vault_hosts = {
      {"app.infisical.com", "us.infisical.com", "eu.infisical.com"}, {}};
};

// Runs the operator until `stop` becomes true (success) or leadership
// is lost (kAborted). kUnavailable naming the port ("port 0.0.0.0:8081
// unavailable (health server): ...") if an HTTP port cannot be bound; then
// nothing else was started. Every thread started is joined before it
// returns, on every path (operator/manager.h).
Result<void> Run(const OperatorOptions& options, const std::atomic<bool>& stop);
// The same with a client made by the caller (tests pass a fake).
Result<void> Run(kube::Client& client, const OperatorOptions& options,
                 const std::atomic<bool>& stop);

}  // namespace sealsync::op
