#include "operator/options.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <random>

#include "lib/base/time_format.h"

namespace sealsync::op {
namespace {

// "a,b,,c" -> {a, b, c}.
std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  for (size_t start = 0; start < list.size();) {
    size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "host:port" -> (host, port); nullopt if malformed.
std::optional<std::pair<std::string, uint16_t>> SplitAddress(
    const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = s.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port = 0;
  try {
    port = std::stoi(s.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (port < 0 || port > 65535) return std::nullopt;
  return std::make_pair(host, static_cast<uint16_t>(port));
}

std::string DefaultIdentity() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + "_" + std::to_string(rd() % 100000);
}

ParsedFlags Fail(std::ostream& err, const std::string& msg) {
  err << "sealsync-operator: error: " << msg << "\n";
  ParsedFlags p;
  p.exit_now = true;
  p.exit_code = 1;
  return p;
}

}  // namespace

ParsedFlags ParseFlags(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  CLI::App app{"sealsync-operator: SealedSecrets become Secrets"};
  app.name("sealsync-operator");
  std::string kubeconfig, context, ns = "sealsync-system", watch,
                                   renewal = "720h";
  std::string health = ":8081", api = ":8080", log_format = "json",
              log_level = "info";
  std::string break_glass, identity = DefaultIdentity(), audit_log;
  std::string lease_duration = "15s", renew_deadline = "10s",
              retry_period = "2s";
  int workers = 2;
  bool leader_elect = true;
  app.add_option("--kubeconfig", kubeconfig,
                 "kubeconfig file (default: in-cluster, then $KUBECONFIG)");
  app.add_option("--context", context, "kubeconfig context");
  app.add_option("--namespace", ns,
                 "Namespace of the operator's keys, Lease and ConfigMaps")
      ->capture_default_str();
  app.add_option("--watch-namespaces", watch,
                 "Comma-separated namespaces to watch (default: all)");
  app.add_option("--workers", workers, "Concurrent reconciles")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--key-renewal", renewal,
                 "New sealing key every period (0: never)")
      ->capture_default_str();
  app.add_option("--leader-elect", leader_elect,
                 "Use a Lease so one replica works")
      ->capture_default_str();
  app.add_option("--lease-duration", lease_duration)->capture_default_str();
  app.add_option("--renew-deadline", renew_deadline)->capture_default_str();
  app.add_option("--retry-period", retry_period)->capture_default_str();
  app.add_option("--identity", identity, "This replica's name (Lease holder)");
  app.add_option("--health-addr", health,
                 "host:port of /healthz, /readyz, /metrics")
      ->capture_default_str();
  app.add_option("--api-addr", api,
                 "host:port of /v1/recipients, /v1/verify, /v1/rewrap")
      ->capture_default_str();
  std::string serve_api = "api-port";
  app.add_option("--serve-api", serve_api,
                 "Serve /v1/... on its own port (api-port), on the health "
                 "port (health-port) or not at all (off)")
      ->check(CLI::IsMember({"api-port", "health-port", "off"}))
      ->capture_default_str();
  app.add_option("--break-glass-recipient", break_glass,
                 "age1... recipient that every new key is also encrypted to");
  std::string vault_allowed =
                  "app.infisical.com,us.infisical.com,"
                  "eu.infisical.com",
              vault_insecure;
  app.add_option("--vault-allowed-hosts", vault_allowed,
                 "Comma-separated vault hosts SecretStores may name (* any)")
      ->capture_default_str();
  app.add_option("--vault-insecure-hosts", vault_insecure,
                 "Comma-separated vault hosts that may be called over plain "
                 "http (default: none; https only)");
  int vault_max_mib = 32;
  app.add_option("--vault-max-response-mib", vault_max_mib,
                 "Refuse vault answers larger than this (MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  bool reload = false;
  std::string reload_window = "10s";
  app.add_flag("--reload-workloads", reload,
               "Restart Deployments, StatefulSets and DaemonSets annotated "
               "sealsync.dev/reload when a managed Secret they use changes "
               "data (needs get/list/watch/patch on them)");
  app.add_option("--reload-window", reload_window,
                 "Coalesce a burst of Secret changes into one restart per "
                 "workload within this window")
      ->capture_default_str();
  app.add_option("--audit-log", audit_log,
                 "Audit trail, one JSON line per decrypt, vault fetch, key "
                 "creation or import, rewrap and verify: stderr or FILE "
                 "(default: counted in metrics only)");
  app.add_option("--log-format", log_format)
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_option("--log-level", log_level)
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    ParsedFlags p;
    p.exit_now = true;
    return p;
  } catch (const CLI::ParseError& e) {
    return Fail(err, e.what());
  }

  ParsedFlags p;
  OperatorOptions& o = p.options;
  o.ns = ns;
  o.workers = workers;
  o.leader_elect = leader_elect;
  o.identity = identity;
  o.audit_log = audit_log;
  o.reload = reload;
  {
    auto w = ParseDuration(reload_window);
    if (!w || *w < std::chrono::milliseconds(0))
      return Fail(err, "--reload-window: not a duration: " + reload_window);
    o.reload_window = *w;
  }
  p.log_format = log_format == "text" ? LogFormat::kText : LogFormat::kJson;
  p.log_level = log_level;
  o.watch_namespaces = SplitList(watch);
  o.serve_api = serve_api == "off"           ? ServeApi::kOff
                : serve_api == "health-port" ? ServeApi::kHealthPort
                                             : ServeApi::kApiPort;
  o.vault_hosts = {SplitList(vault_allowed), SplitList(vault_insecure)};
  o.vault_max_response_bytes = static_cast<size_t>(vault_max_mib) << 20;
  auto d = ParseDuration(renewal);
  if (!d) return Fail(err, "--key-renewal: not a duration (e.g. 720h, 0)");
  o.key_renewal = *d;
  auto ld = ParseDuration(lease_duration), rd = ParseDuration(renew_deadline),
       rp = ParseDuration(retry_period);
  if (!ld || !rd || !rp)
    return Fail(err, "lease timings: not durations (e.g. 15s)");
  o.lease_duration = std::chrono::duration_cast<std::chrono::seconds>(*ld);
  o.renew_deadline = *rd;
  o.retry_period = *rp;
  auto h = SplitAddress(health), a = SplitAddress(api);
  if (!h) return Fail(err, "--health-addr: want host:port");
  if (!a) return Fail(err, "--api-addr: want host:port");
  std::tie(o.health_address, o.health_port) = *h;
  std::tie(o.api_address, o.api_port) = *a;
  if (!break_glass.empty()) {
    auto r = X25519Recipient::Parse(break_glass);
    if (!r) return Fail(err, "--break-glass-recipient: " + r.error().message());
    o.break_glass = *r;
  }
  Result<kube::RestConfig> rest = MakeError(ErrorCode::kNotFound, "");
  if (kubeconfig.empty() && context.empty() &&
      std::getenv("KUBERNETES_SERVICE_HOST")) {
    rest = kube::InClusterConfig();
  } else {
    rest = kube::LoadKubeconfig({kubeconfig, context});
  }
  if (!rest) return Fail(err, "cluster config: " + rest.error().message());
  o.rest = *rest;
  return p;
}

}  // namespace sealsync::op
