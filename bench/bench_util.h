// Helpers shared by the benchmarks that run against a real control plane.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lib/api/manifest.h"
#include "lib/kube/store.h"
#include "lib/kube/watcher.h"
#include "sealsync/kube.h"
#include "tests/support/control_plane.h"
#include "tests/support/files.h"
#include "tests/support/metrics_text.h"
#include "tests/support/operator_log.h"
#include "tests/support/subprocess.h"

namespace sealsync::bench {

using Clock = std::chrono::steady_clock;

inline double Secs(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The median of `v` (the upper middle one for an even count); -1 if empty.
inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? -1 : v[v.size() / 2];
}

// The median of `field` (a member pointer or a function of one element)
// over `v`.
template <typename T, typename F>
inline double MedianOf(const std::vector<T>& v, F field) {
  std::vector<double> xs;
  for (const T& x : v) xs.push_back(std::invoke(field, x));
  return Median(xs);
}

// "1.23 4.56": each value with two decimals, for a table's "runs:" list.
inline std::string Join(const std::vector<double>& v) {
  std::string out;
  for (double x : v) {
    char b[32];
    std::snprintf(b, sizeof b, "%s%.2f", out.empty() ? "" : " ", x);
    out += b;
  }
  return out;
}

// Runs fn(i) for i in [0, n) on `threads` threads.
template <typename Fn>
inline void Parallel(int n, int threads, Fn fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      for (int i; (i = next++) < n;) fn(i);
    });
  }
  for (auto& t : ts) t.join();
}

// A SecretCounter watches the Secrets matching a selector in one namespace
// and records when each distinct one first appears. A watch costs the API
// server one event per Secret; polling with lists (the alternative) costs a
// full list per poll and competes with what is being measured.
// Thread-safe; the watch runs on its own thread from construction to
// destruction.
class SecretCounter {
 public:
  SecretCounter(kube::Client& client, const std::string& ns,
                const std::string& selector)
      : watcher_(client, kube::kSecrets, ns, Selector(selector), store_,
                 [this](kube::WatchEventType t, const std::string& key,
                        const kube::ObjectPtr&) { Seen(t, key); }) {
    thread_ = std::thread([this] { watcher_.Run(stop_); });
  }
  ~SecretCounter() {
    stop_ = true;
    thread_.join();
  }

  // Blocks until `n` distinct Secrets have been seen (or `timeout`); returns
  // when the n-th was first seen, or nullopt on timeout.
  std::optional<Clock::time_point> WaitFor(size_t n,
                                           std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; }))
      return std::nullopt;
    return times_[n - 1];
  }

 private:
  static kube::WatchOptions Selector(const std::string& s) {
    kube::WatchOptions o;
    o.label_selector = s;
    return o;
  }
  void Seen(kube::WatchEventType t, const std::string& key) {
    if (t != kube::WatchEventType::kAdded &&
        t != kube::WatchEventType::kModified)
      return;
    std::lock_guard<std::mutex> lock(mu_);
    if (seen_.insert(key).second) times_.push_back(Clock::now());
    cv_.notify_all();
  }

  kube::Store store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> seen_;
  std::vector<Clock::time_point> times_;
  std::atomic<bool> stop_{false};
  kube::Watcher watcher_;
  std::thread thread_;
};

#ifdef SEALSYNC_OPERATOR_BINARY
// The operator binary to measure: $BENCH_OPERATOR (e.g. a copy of an older
// build, to compare two versions on one machine), else this build's.
inline std::string OperatorBinary() {
  const char* e = std::getenv("BENCH_OPERATOR");
  return e != nullptr && *e != '\0' ? e : SEALSYNC_OPERATOR_BINARY;
}
#endif

// The operator's command line for a benchmark: not leading-elected, its keys
// in `key_ns`, watching `watched`, HTTP on random loopback ports.
inline std::vector<std::string> OperatorArgs(const std::string& binary,
                                             const std::string& kubeconfig,
                                             const std::string& key_ns,
                                             const std::string& watched,
                                             int workers) {
  return {binary, "--kubeconfig", kubeconfig, "--namespace", key_ns,
          "--watch-namespaces", watched, "--workers", std::to_string(workers),
          "--health-addr", "127.0.0.1:0", "--api-addr", "127.0.0.1:0",
          "--leader-elect", "false",
          // the Infisical double listens on loopback over plain http
          "--vault-allowed-hosts=127.0.0.1",
          "--vault-insecure-hosts=127.0.0.1"};
}

// Runs the operator (`argv`, watching its own namespace `op_ns`) until it
// has published its recipients, i.e. made its first sealing key (30 s at
// most), then stops it, so that no timed start pays for making a key.
// Returns the published recipients file ("" if none came).
inline std::string MakeOperatorKey(const std::vector<std::string>& argv,
                                   kube::Client& client,
                                   const std::string& op_ns,
                                   const std::string& log) {
  using namespace std::chrono_literals;
  auto op = testing::Subprocess::Start(argv, log);
  if (!op) return "";
  std::string recipients;
  for (int i = 0; i < 300 && recipients.empty(); ++i) {
    if (auto cm = client.Get(kube::kConfigMaps, {op_ns, "sealsync-recipients"}))
      recipients = (*cm)["data"].value("recipients.txt", "");
    if (recipients.empty()) std::this_thread::sleep_for(100ms);
  }
  op->Signal(SIGTERM);
  op->Wait(30s);
  return recipients;
}

struct ProcStats {
  double rss_mib = 0;      // peak (VmHWM)
  double rss_now_mib = 0;  // current (VmRSS)
  double cpu_s = 0;
};

inline ProcStats Stats(pid_t pid) {
  ProcStats s;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0)
      s.rss_mib = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("VmRSS:", 0) == 0)
      s.rss_now_mib = std::stod(line.substr(6)) / 1024.0;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream rest(all.substr(all.rfind(')') + 2));
  std::vector<std::string> f;
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() > 13)
    s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / sysconf(_SC_CLK_TCK);
  return s;
}

// CPU seconds used so far by each process that takes part in a phase: the
// control plane's (pids from its directory), this benchmark's and the
// operator's (0 when `op` is 0). Differences of two samples show where the
// machine's two cores went during a phase.
struct CpuSample {
  double apiserver = 0, etcd = 0, controller_manager = 0, bench = 0, op = 0;
  // CPU seconds the hypervisor ran something else while this machine wanted
  // its cores (the "steal" column of /proc/stat, all CPUs): a phase with
  // much of it was measured on a slower machine.
  double steal = 0;

  CpuSample operator-(const CpuSample& o) const {
    return {apiserver - o.apiserver,
            etcd - o.etcd,
            controller_manager - o.controller_manager,
            bench - o.bench,
            op - o.op,
            steal - o.steal};
  }
};

// Prints the medians of each phase's CpuSamples as a markdown table.
inline void PrintCpuTable(
    const std::vector<std::pair<std::string, std::vector<CpuSample>>>& rows) {
  std::printf(
      "\nCPU seconds each process used while the phase ran (medians; "
      "steal: CPU time the hypervisor gave to others meanwhile):\n\n"
      "| phase | kube-apiserver | etcd | kube-controller-manager | bench "
      "client | operator | steal |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const auto& [phase, v] : rows) {
    std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n",
                phase.c_str(), MedianOf(v, &CpuSample::apiserver),
                MedianOf(v, &CpuSample::etcd),
                MedianOf(v, &CpuSample::controller_manager),
                MedianOf(v, &CpuSample::bench), MedianOf(v, &CpuSample::op),
                MedianOf(v, &CpuSample::steal));
  }
}

// Steal seconds so far, summed over CPUs (0 where the kernel reports none).
inline double StealSeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double v[8] = {};
  in >> cpu;
  for (double& x : v)
    in >> x;  // user nice system idle iowait irq softirq steal
  return cpu == "cpu" ? v[7] / sysconf(_SC_CLK_TCK) : 0.0;
}

inline CpuSample SampleCpu(const std::string& controlplane_dir, pid_t op) {
  auto of_pidfile = [&](const std::string& name) {
    std::ifstream in(controlplane_dir + "/pids/" + name + ".pid");
    pid_t pid = 0;
    in >> pid;
    return pid > 0 ? Stats(pid).cpu_s : 0.0;
  };
  CpuSample s;
  s.apiserver = of_pidfile("kube-apiserver");
  s.etcd = of_pidfile("etcd");
  s.controller_manager = of_pidfile("kube-controller-manager");
  s.bench = Stats(getpid()).cpu_s;
  s.op = op > 0 ? Stats(op).cpu_s : 0.0;
  s.steal = StealSeconds();
  return s;
}

// Requests the API server has answered so far, by "VERB resource" or "VERB
// resource/subresource" (its apiserver_request_total counter summed over
// codes, groups and versions), read from its /metrics with the control
// plane's admin token. The difference of two readings counts what a phase
// asked of the API server: creates, status writes, Events, reads.
using RequestCounts = std::map<std::string, double>;

// The value of label `name` in one exposition line ("" when absent).
inline std::string LabelValue(const std::string& line,
                              const std::string& name) {
  std::string at = "," + name + "=\"";
  size_t i = line.find(at);
  if (i == std::string::npos) {
    at = "{" + name + "=\"";
    i = line.find(at);
  }
  if (i == std::string::npos) return "";
  i += at.size();
  return line.substr(i, line.find('"', i) - i);
}

inline RequestCounts ApiRequests(const std::string& controlplane_dir) {
  std::string port = testing::ReadFile(controlplane_dir + "/apiserver.port");
  while (!port.empty() && port.back() == '\n') port.pop_back();
  std::string text;
  testing::RunCommand(
      "curl -s --max-time 10 --cacert " + controlplane_dir +
          "/pki/ca.crt -H \"Authorization: Bearer $(cat " + controlplane_dir +
          "/admin.token)\" https://127.0.0.1:" + port + "/metrics",
      &text);
  RequestCounts out;
  std::istringstream lines(text);
  const std::string metric = "apiserver_request_total{";
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with(metric)) continue;
    std::string key =
        LabelValue(line, "verb") + " " + LabelValue(line, "resource");
    if (std::string sub = LabelValue(line, "subresource"); !sub.empty())
      key += "/" + sub;
    out[key] += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return out;
}

inline RequestCounts operator-(const RequestCounts& a, const RequestCounts& b) {
  RequestCounts d;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    double diff = v - (it == b.end() ? 0 : it->second);
    if (diff > 0) d[k] = diff;
  }
  return d;
}

// "POST secrets 1000, PATCH externalsecrets/status 1000, ...": the counts
// of the resources named in `resources` (all when empty), largest first.
inline std::string FormatRequests(const RequestCounts& c,
                                  const std::set<std::string>& resources = {}) {
  std::vector<std::pair<double, std::string>> rows;
  for (const auto& [k, v] : c) {
    std::string r = k.substr(k.find(' ') + 1);
    r = r.substr(0, r.find('/'));
    if (resources.empty() || resources.contains(r)) rows.push_back({v, k});
  }
  std::sort(rows.rbegin(), rows.rend());
  std::string out;
  for (const auto& [v, k] : rows) {
    char b[128];
    std::snprintf(b, sizeof b, "%s%s %.0f", out.empty() ? "" : ", ", k.c_str(),
                  v);
    out += b;
  }
  return out.empty() ? "none" : out;
}

// The operator's /metrics text, found through the "serving" line of its
// log; "" when it has not logged one yet or does not answer.
inline std::string OperatorMetrics(const std::string& log_path) {
  auto at = testing::FindServing(testing::ReadFile(log_path));
  if (!at || at->health.empty()) return "";
  std::string text;
  testing::RunCommand("curl -s --max-time 10 http://" + at->health + "/metrics",
                      &text);
  return text;
}

// Applies every CRD in crds/ and waits for discovery to pick them up.
inline void InstallCrds(kube::Client& client) {
  for (const auto& f : std::filesystem::directory_iterator(
           std::string(SEALSYNC_SOURCE_DIR) + "/crds")) {
    std::ifstream in(f.path());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto doc = api::ParseManifest(text, api::Scalars::kTyped);
    if (doc)
      (void)client.Apply(kube::kCrds, kube::Json::parse(doc->dump()),
                         {"bench", true});
  }
  std::this_thread::sleep_for(
      std::chrono::seconds(2));  // established + discovery
}

}  // namespace sealsync::bench
