// sealsync's operator and Bitnami's sealed-secrets controller (v0.40.0,
// built by bench/peers.sh) side by side on the same fresh control plane:
// COUNT SealedSecrets of each kind wait in a fresh namespace, the process
// starts, and a watch sees the last Secret appear. The two alternate REPS
// times; medians. Prints one markdown table.
//
//   build-bench/bench/peer_bench CONTROLLER [COUNT] [WORKERS] [REPS]
//
// CONTROLLER is Bitnami's controller binary. It takes only in-cluster
// configuration, so it runs in a private mount namespace (unshare -m, as
// root) where a tmpfs over /run holds the service-account token (the
// control plane's admin token), CA and namespace at
// /var/run/secrets/kubernetes.io/serviceaccount, with
// KUBERNETES_SERVICE_HOST/PORT naming the loopback API server; nothing
// outside that namespace changes. Its RSA-4096 key is made beforehand
// (openssl) and stored as its active key Secret, so that neither side pays
// for key generation in the timed window. Its client rate limit is lifted
// (--kubeclient-qps -1: with the default 5 QPS it is limited by its own
// client, not by its work); it watches its own namespace and the bench's
// (--all-namespaces=false --additional-namespaces) and listens on
// loopback port 0. sealsync's operator runs with --workers WORKERS.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "bench/bench_util.h"
#include "sealsync/bitnami.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "sealsync/sealing.h"
#include "tests/support/control_plane.h"
#include "tests/support/subprocess.h"

namespace {

using namespace sealsync::bench;
using sealsync::kube::Json;
using namespace std::chrono_literals;
namespace st = sealsync::testing;

const sealsync::kube::Resource kOurs{"sealsync.dev", "v1alpha1",
                                     "sealedsecrets", true};
const sealsync::kube::Resource kBitnami{"bitnami.com", "v1alpha1",
                                        "sealedsecrets", true};

Json Sealed(const std::string& api_version, const std::string& ns,
            const std::string& name, const std::string& value) {
  return {{"apiVersion", api_version},
          {"kind", "SealedSecret"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"encryptedData", {{"password", value}}}}}};
}

struct Run {
  double seconds = -1;
  CpuSample cpu;
  double rss_mib = 0;
};

// Starts `argv`, times until COUNT Secrets exist in `ns` (a watch), samples
// CPU and peak RSS, stops it.
Run TimeStartup(st::ControlPlane& cp, sealsync::kube::Client& client,
                const std::string& ns, int count,
                const std::vector<std::string>& argv, const std::string& log) {
  SecretCounter counter(client, ns, "");
  std::this_thread::sleep_for(2s);  // settle: no phase pays for the last
  Run r;
  CpuSample c0 = SampleCpu(cp.dir(), 0);
  auto t0 = Clock::now();
  auto p = st::Subprocess::Start(argv, log);
  if (!p) return r;
  c0.op = 0;
  auto done = counter.WaitFor(count, 300s);
  r.cpu = SampleCpu(cp.dir(), p->pid()) - c0;
  r.rss_mib = Stats(p->pid()).rss_mib;
  r.seconds = done ? Secs(*done - t0) : -1;
  p->Signal(SIGTERM);
  if (!p->Wait(20s)) p->Signal(SIGKILL);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: peer_bench CONTROLLER [COUNT] [WORKERS] [REPS]\n";
    return 2;
  }
  std::string controller = argv[1];
  int count = argc > 2 ? std::atoi(argv[2]) : 1000;
  int workers = argc > 3 ? std::atoi(argv[3]) : 4;
  int reps = argc > 4 ? std::max(1, std::atoi(argv[4])) : 3;
  auto* cp = st::ControlPlane::Shared();
  if (cp == nullptr) return 1;
  auto client = cp->NewClient();
  InstallCrds(*client);
  std::string crd_path;
  if (st::RunCommand("bash " SEALSYNC_SOURCE_DIR "/scripts/kubeseal.sh crd",
                     &crd_path) != 0) {
    std::cerr << "no Bitnami CRD (bash scripts/kubeseal.sh build)\n";
    return 1;
  }
  while (!crd_path.empty() && crd_path.back() == '\n') crd_path.pop_back();
  {
    auto doc = sealsync::api::ParseManifest(st::ReadFile(crd_path),
                                            sealsync::api::Scalars::kTyped);
    if (!doc || !client->Apply(sealsync::kube::kCrds, Json::parse(doc->dump()),
                               {"bench", true})) {
      std::cerr << "cannot install " << crd_path << "\n";
      return 1;
    }
    std::this_thread::sleep_for(2s);
  }

  // Bitnami's key: RSA-4096 and a self-signed certificate, as its
  // controller would make them, stored as its active key.
  const std::string dir = cp->dir();
  const std::string bitnami_ns = cp->NewNamespace("bitnami-controller");
  if (st::RunCommand("openssl req -x509 -newkey rsa:4096 -nodes -keyout " +
                     dir + "/bitnami.key -out " + dir +
                     "/bitnami.crt -days 3650 -subj /CN=sealed-secret "
                     "2>/dev/null") != 0) {
    std::cerr << "openssl failed\n";
    return 1;
  }
  auto bitnami_key = sealsync::bitnami::PrivateKey::FromPem(
      st::ReadFile(dir + "/bitnami.key"));
  if (!bitnami_key) return 1;
  (void)client->Create(
      sealsync::kube::kSecrets,
      {{"apiVersion", "v1"},
       {"kind", "Secret"},
       {"metadata",
        {{"name", "sealed-secrets-key-bench"},
         {"namespace", bitnami_ns},
         {"labels",
          {{"sealedsecrets.bitnami.com/sealed-secrets-key", "active"}}}}},
       {"type", "kubernetes.io/tls"},
       {"stringData",
        {{"tls.crt", st::ReadFile(dir + "/bitnami.crt")},
         {"tls.key", st::ReadFile(dir + "/bitnami.key")}}}});

  // sealsync's key: the operator makes it once, then stops.
  const std::string op_ns = cp->NewNamespace("bench-operator");
  const std::string log = dir + "/peer-bench.log";
  sealsync::X25519Recipient recipient(std::array<uint8_t, 32>{});
  if (auto rs = sealsync::ParseRecipientsFile(
          MakeOperatorKey(OperatorArgs(OperatorBinary(), cp->kubeconfig(),
                                       op_ns, op_ns, workers),
                          *client, op_ns, log));
      rs && !rs->empty())
    recipient = rs->front();

  std::string port = st::ReadFile(dir + "/apiserver.port");
  while (!port.empty() && port.back() == '\n') port.pop_back();
  // The controller's private /run: token, CA, namespace; then exec (the pid
  // stays the one Subprocess started, so its CPU and RSS are read).
  const std::string sa = "/run/secrets/kubernetes.io/serviceaccount";
  const std::string setup =
      "mount -t tmpfs -o size=1m,mode=0755 tmpfs /run && mkdir -p " + sa +
      " && cp \"$0\"/admin.token " + sa + "/token && cp \"$0\"/pki/ca.crt " +
      sa + "/ca.crt && printf %s \"$1\" > " + sa + "/namespace && shift && " +
      "exec \"$@\"";

  std::vector<double> ours_s, theirs_s;
  std::vector<Run> ours, theirs;
  for (int r = 0; r < reps; ++r) {
    {  // sealsync
      std::string ns = cp->NewNamespace("bench-ours");
      Parallel(count, workers, [&](int i) {
        std::string name = "s" + std::to_string(i);
        sealsync::ScopeBinding b{sealsync::Scope::kStrict, ns, name};
        std::vector<sealsync::X25519Recipient> rs = {recipient};
        auto v = sealsync::SealValue(sealsync::AsBytes("value-" + name), rs, b,
                                     sealsync::SealFormat::kAge,
                                     sealsync::SystemRandom());
        (void)client->Create(kOurs,
                             Sealed("sealsync.dev/v1alpha1", ns, name, *v));
      });
      ours.push_back(TimeStartup(
          *cp, *client, ns, count,
          OperatorArgs(OperatorBinary(), cp->kubeconfig(), op_ns, ns, workers),
          log));
      ours_s.push_back(ours.back().seconds);
    }
    {  // Bitnami
      std::string ns = cp->NewNamespace("bench-bitnami");
      Parallel(count, workers, [&](int i) {
        std::string name = "s" + std::to_string(i);
        sealsync::ScopeBinding b{sealsync::Scope::kStrict, ns, name};
        auto v = sealsync::bitnami::SealForTest(
            sealsync::AsBytes("value-" + name), *bitnami_key, b,
            sealsync::SystemRandom());
        (void)client->Create(kBitnami,
                             Sealed("bitnami.com/v1alpha1", ns, name, *v));
      });
      theirs.push_back(TimeStartup(*cp, *client, ns, count,
                                   {"env",
                                    "KUBERNETES_SERVICE_HOST=127.0.0.1",
                                    "KUBERNETES_SERVICE_PORT=" + port,
                                    "unshare",
                                    "-m",
                                    "--propagation",
                                    "private",
                                    "sh",
                                    "-c",
                                    setup,
                                    dir,
                                    bitnami_ns,
                                    controller,
                                    "--all-namespaces=false",
                                    "--additional-namespaces=" + ns,
                                    "--kubeclient-qps=-1",
                                    "--kubeclient-burst=1000",
                                    "--listen-addr=127.0.0.1:0",
                                    "--listen-metrics-addr=127.0.0.1:0",
                                    "--key-renew-period=0"},
                                   dir + "/bitnami-controller.log"));
      theirs_s.push_back(theirs.back().seconds);
    }
  }

  auto row = [&](const char* who, const std::vector<Run>& v,
                 const std::vector<double>& secs) {
    std::printf("| %s | %.2f (runs: %s) | %.2f | %.2f | %.2f | %.1f |\n", who,
                Median(secs), Join(secs).c_str(),
                MedianOf(v, [](const Run& r) { return r.cpu.op; }),
                MedianOf(v, [](const Run& r) { return r.cpu.apiserver; }),
                MedianOf(v, [](const Run& r) { return r.cpu.etcd; }),
                MedianOf(v, &Run::rss_mib));
  };
  std::printf(
      "| %d SealedSecrets waiting, process start -> every Secret, median of "
      "%d alternated runs | seconds | controller CPU s | kube-apiserver CPU "
      "s | etcd CPU s | controller peak RSS MiB |\n|---|---|---|---|---|---|\n",
      count, reps);
  row("sealsync operator (--workers 4)", ours, ours_s);
  row("Bitnami sealed-secrets v0.40.0 controller (client rate limit lifted)",
      theirs, theirs_s);
  std::printf("\nratio of medians: Bitnami / sealsync = %.1fx\n",
              Median(theirs_s) / Median(ours_s));
  return 0;
}
