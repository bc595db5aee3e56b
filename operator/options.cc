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

// Flag values as typed, before checking and conversion.
struct RawFlags {
  std::string kubeconfig, context, ns = "sealsync-system", watch,
                                   renewal = "720h";
  std::string health = ":8081", api = ":8080", log_format = "json",
              log_level = "info";
  std::string break_glass, identity = DefaultIdentity(), audit_log;
  std::string lease_duration = "15s", renew_deadline = "10s",
              retry_period = "2s";
  int workers = 2;
  bool leader_elect = true;
  std::string serve_api = "api-port";
  std::string vault_allowed =
                  "app.infisical.com,us.infisical.com,"
                  "eu.infisical.com",
              vault_insecure;
  int vault_max_mib = 32;
  bool reload = false;
  std::string reload_window = "10s";
};

// Registers every flag on `app`, bound to `f`.
void AddFlags(CLI::App& app, RawFlags& f) {
  app.add_option("--kubeconfig", f.kubeconfig,
                 "kubeconfig file (default: in-cluster, then $KUBECONFIG)");
  app.add_option("--context", f.context, "kubeconfig context");
  app.add_option("--namespace", f.ns,
                 "Namespace of the operator's keys, Lease and ConfigMaps")
      ->capture_default_str();
  app.add_option("--watch-namespaces", f.watch,
                 "Comma-separated namespaces to watch (default: all)");
  app.add_option("--workers", f.workers, "Concurrent reconciles")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--key-renewal", f.renewal,
                 "New sealing key every period (0: never)")
      ->capture_default_str();
  app.add_option("--leader-elect", f.leader_elect,
                 "Use a Lease so one replica works")
      ->capture_default_str();
  app.add_option("--lease-duration", f.lease_duration)->capture_default_str();
  app.add_option("--renew-deadline", f.renew_deadline)->capture_default_str();
  app.add_option("--retry-period", f.retry_period)->capture_default_str();
  app.add_option("--identity", f.identity,
                 "This replica's name (Lease holder)");
  app.add_option("--health-addr", f.health,
                 "host:port of /healthz, /readyz, /metrics")
      ->capture_default_str();
  app.add_option("--api-addr", f.api,
                 "host:port of /v1/recipients, /v1/verify, /v1/rewrap")
      ->capture_default_str();
  app.add_option("--serve-api", f.serve_api,
                 "Serve /v1/... on its own port (api-port), on the health "
                 "port (health-port) or not at all (off)")
      ->check(CLI::IsMember({"api-port", "health-port", "off"}))
      ->capture_default_str();
  app.add_option("--break-glass-recipient", f.break_glass,
                 "age1... recipient that every new key is also encrypted to");
  app.add_option("--vault-allowed-hosts", f.vault_allowed,
                 "Comma-separated vault hosts SecretStores may name (* any)")
      ->capture_default_str();
  app.add_option("--vault-insecure-hosts", f.vault_insecure,
                 "Comma-separated vault hosts that may be called over plain "
                 "http (default: none; https only)");
  app.add_option("--vault-max-response-mib", f.vault_max_mib,
                 "Refuse vault answers larger than this (MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_flag("--reload-workloads", f.reload,
               "Restart Deployments, StatefulSets and DaemonSets annotated "
               "sealsync.dev/reload when a managed Secret they use changes "
               "data (needs get/list/watch/patch on them)");
  app.add_option("--reload-window", f.reload_window,
                 "Coalesce a burst of Secret changes into one restart per "
                 "workload within this window")
      ->capture_default_str();
  app.add_option("--audit-log", f.audit_log,
                 "Audit trail, one JSON line per decrypt, vault fetch, key "
                 "creation or import, rewrap and verify: stderr or FILE "
                 "(default: counted in metrics only)");
  app.add_option("--log-format", f.log_format)
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  app.add_option("--log-level", f.log_level)
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
}

// Checks and converts `f` into `p`; a Fail() result on a bad value.
std::optional<ParsedFlags> Convert(const RawFlags& f, ParsedFlags& p,
                                   std::ostream& err) {
  OperatorOptions& o = p.options;
  o.ns = f.ns;
  o.workers = f.workers;
  o.leader_elect = f.leader_elect;
  o.identity = f.identity;
  o.audit_log = f.audit_log;
  o.reload = f.reload;
  auto w = ParseDuration(f.reload_window);
  if (!w || *w < std::chrono::milliseconds(0))
    return Fail(err, "--reload-window: not a duration: " + f.reload_window);
  o.reload_window = *w;
  p.log_format = f.log_format == "text" ? LogFormat::kText : LogFormat::kJson;
  p.log_level = f.log_level;
  o.watch_namespaces = SplitList(f.watch);
  o.serve_api = f.serve_api == "off"           ? ServeApi::kOff
                : f.serve_api == "health-port" ? ServeApi::kHealthPort
                                               : ServeApi::kApiPort;
  o.vault_hosts = {SplitList(f.vault_allowed), SplitList(f.vault_insecure)};
  o.vault_max_response_bytes = static_cast<size_t>(f.vault_max_mib) << 20;
  auto d = ParseDuration(f.renewal);
  if (!d) return Fail(err, "--key-renewal: not a duration (e.g. 720h, 0)");
  o.key_renewal = *d;
  auto ld = ParseDuration(f.lease_duration),
       rd = ParseDuration(f.renew_deadline), rp = ParseDuration(f.retry_period);
  if (!ld || !rd || !rp)
    return Fail(err, "lease timings: not durations (e.g. 15s)");
  o.lease_duration = std::chrono::duration_cast<std::chrono::seconds>(*ld);
  o.renew_deadline = *rd;
  o.retry_period = *rp;
  auto h = SplitAddress(f.health), a = SplitAddress(f.api);
  if (!h) return Fail(err, "--health-addr: want host:port");
  if (!a) return Fail(err, "--api-addr: want host:port");
  std::tie(o.health_address, o.health_port) = *h;
  std::tie(o.api_address, o.api_port) = *a;
  if (!f.break_glass.empty()) {
    auto r = X25519Recipient::Parse(f.break_glass);
    if (!r) return Fail(err, "--break-glass-recipient: " + r.error().message());
    o.break_glass = *r;
  }
  Result<kube::RestConfig> rest = MakeError(ErrorCode::kNotFound, "");
  if (f.kubeconfig.empty() && f.context.empty() &&
      std::getenv("KUBERNETES_SERVICE_HOST")) {
    rest = kube::InClusterConfig();
  } else {
    rest = kube::LoadKubeconfig({f.kubeconfig, f.context});
  }
  if (!rest) return Fail(err, "cluster config: " + rest.error().message());
  o.rest = *rest;
  return std::nullopt;
}

}  // namespace

ParsedFlags ParseFlags(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  CLI::App app{"sealsync-operator: SealedSecrets become Secrets"};
  app.name("sealsync-operator");
  RawFlags f;
  AddFlags(app, f);
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
  if (auto failed = Convert(f, p, err)) return *failed;
  return p;
}

}  // namespace sealsync::op
