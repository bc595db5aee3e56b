#include "tests/charts/chart_env.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "lib/base/base64.h"
#include "tests/support/cluster_read.h"
#include "tests/support/files.h"
#include "tests/support/operator_log.h"

#ifndef SEALSYNC_OPERATOR_BINARY
#error "SEALSYNC_OPERATOR_BINARY must be defined"
#endif
#ifndef SEALCTL_BINARY
#error "SEALCTL_BINARY must be defined"
#endif

namespace sealsync::testing {
namespace {

using kube::Json;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string ChartOperator::Get(const std::string& path) const {
  std::string out;
  if (RunCommand(
          "curl -sf --max-time 5 " + ShellQuote("http://" + health + path),
          &out) != 0) {
    return "";
  }
  return out;
}

ChartEnv::ChartEnv(ControlPlane* cp, const HelmRunner* helm)
    : cp_(cp), helm_(helm), client_(cp->NewClient()) {
  dir_ = cp->dir() + "/" + UniqueName("chart-test");
  std::filesystem::create_directories(dir_);
}

HelmResult ChartEnv::Helm(std::vector<std::string> args) const {
  args.push_back("--kubeconfig");
  args.push_back(cp_->kubeconfig());
  return helm_->Run(args);
}

std::string ChartEnv::UniqueName(const std::string& prefix) {
  static std::mt19937 rng(std::random_device{}());
  return prefix + "-" + std::to_string(rng() % 1000000);
}

bool ChartEnv::DeleteCrds(const std::vector<std::string>& names,
                          std::string* why) {
  for (const auto& n : names) (void)client_->Delete(kube::kCrds, {"", n});
  return Eventually(
      [&] {
        for (const auto& n : names) {
          auto got = client_->Get(kube::kCrds, {"", n});
          if (got) {
            *why = n + " still there: " + (*got)["status"].dump();
            return false;
          }
          if (got.error().code() != ErrorCode::kNotFound) {
            *why = got.error().message();
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(120));
}

bool ChartEnv::CrdEstablished(const std::string& name) {
  return Eventually(
      [&] {
        auto crd = client_->Get(kube::kCrds, {"", name});
        if (!crd) return false;
        for (const auto& c :
             (*crd)["status"].value("conditions", Json::array())) {
          if (c.value("type", "") == "Established" &&
              c.value("status", "") == "True") {
            return true;
          }
        }
        return false;
      },
      std::chrono::seconds(30));
}

void ChartEnv::DeleteNamespace(const std::string& ns) {
  (void)client_->Delete(kube::kNamespaces, {"", ns});
}

std::string ChartEnv::ServiceAccountKubeconfig(const std::string& ns,
                                               const std::string& name) {
  const std::string cp = cp_->dir();
  const std::string port = Trimmed(ReadFile(cp + "/apiserver.port"));
  // POST .../serviceaccounts/NAME/token (TokenRequest), as the admin.
  const std::string header = dir_ + "/admin-auth.header";
  WriteFile(header,
            "Authorization: Bearer " + Trimmed(ReadFile(cp + "/admin.token")));
  const std::string body =
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest",)"
      R"("spec":{"expirationSeconds":3600}})";
  std::string out;
  int rc = RunCommand(
      "curl -sf --max-time 10 --cacert " + ShellQuote(cp + "/pki/ca.crt") +
          " -H @" + ShellQuote(header) +
          " -H 'Content-Type: application/json' -X POST -d " +
          ShellQuote(body) + " " +
          ShellQuote("https://127.0.0.1:" + port + "/api/v1/namespaces/" + ns +
                     "/serviceaccounts/" + name + "/token"),
      &out);
  if (rc != 0) return "";
  Json answer = Json::parse(out, nullptr, false);
  if (answer.is_discarded()) return "";
  std::string token = answer["status"].value("token", "");
  if (token.empty()) return "";
  std::string path = dir_ + "/" + ns + "-" + name + ".kubeconfig";
  std::ostringstream kc;
  kc << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
     << "    server: https://127.0.0.1:" << port << "\n"
     << "    certificate-authority-data: "
     << Base64Encode(AsBytes(ReadFile(cp + "/pki/ca.crt"))) << "\n"
     << "users:\n- name: sa\n  user:\n    token: " << token << "\n"
     << "contexts:\n- name: c\n  context: {cluster: c, user: sa, namespace: "
     << ns << "}\ncurrent-context: c\n";
  WriteFile(path, kc.str());
  return path;
}

std::unique_ptr<kube::Client> ChartEnv::ServiceAccountClient(
    const std::string& ns, const std::string& name) {
  std::string path = ServiceAccountKubeconfig(ns, name);
  if (path.empty()) return nullptr;
  auto config = kube::LoadKubeconfig({path, ""});
  if (!config) return nullptr;
  auto client = kube::NewClient(*config);
  if (!client) return nullptr;
  return std::move(*client);
}

std::unique_ptr<ChartOperator> ChartEnv::StartOperator(
    const std::string& ns, const std::string& release, std::string* why) {
  auto deploy = client_->Get(kDeployments, {ns, release});
  if (!deploy) {
    *why = "no Deployment: " + deploy.error().message();
    return nullptr;
  }
  const Json& pod = (*deploy)["spec"]["template"]["spec"];
  std::string kubeconfig =
      ServiceAccountKubeconfig(ns, pod.value("serviceAccountName", ""));
  if (kubeconfig.empty()) {
    *why = "no TokenRequest token for the ServiceAccount";
    return nullptr;
  }
  std::vector<std::string> argv = {SEALSYNC_OPERATOR_BINARY};
  for (const auto& a : ContainerArgs(*deploy)) {
    // In a pod these listen on every address; here on a free loopback port.
    if (a.starts_with("--health-addr") || a.starts_with("--api-addr")) continue;
    argv.push_back(a);
  }
  for (const char* a : {"--health-addr=127.0.0.1:0", "--api-addr=127.0.0.1:0"})
    argv.push_back(a);
  argv.push_back("--kubeconfig=" + kubeconfig);
  argv.push_back("--identity=" + release + "-test");

  auto op = std::make_unique<ChartOperator>();
  op->log_path = dir_ + "/operator-" + release + ".log";
  auto proc = Subprocess::Start(argv, op->log_path);
  if (!proc) {
    *why = "cannot start " + argv[0];
    return nullptr;
  }
  op->proc = std::make_unique<Subprocess>(std::move(*proc));
  bool serving = Eventually(
      [&] {
        auto s = FindServing(op->Log());
        if (s) {
          op->health = s->health;
        }
        return s.has_value();
      },
      std::chrono::seconds(30));
  if (!serving) {
    *why = "not serving after 30 s; its log:\n" + op->Log();
    return nullptr;
  }
  return op;
}

int ChartEnv::Seal(const std::string& ns, const std::string& secret_yaml,
                   std::string* out) {
  if (nobody_kubeconfig_.empty())
    nobody_kubeconfig_ = cp_->UnprivilegedKubeconfig(dir_, "chart-nobody");
  const std::string& nobody = nobody_kubeconfig_;
  if (nobody.empty()) {
    *out = "no unprivileged kubeconfig";
    return -1;
  }
  std::string in = dir_ + "/secret.yaml", err = dir_ + "/seal.err";
  WriteFile(in, secret_yaml);
  int rc = RunCommand(ShellQuote(SEALCTL_BINARY) + " seal -f " +
                          ShellQuote(in) + " --kubeconfig " +
                          ShellQuote(nobody) + " --controller-namespace " +
                          ShellQuote(ns) + " 2>" + ShellQuote(err),
                      out);
  if (rc != 0) *out = ReadFile(err);
  return rc;
}

std::string ChartEnv::SecretValue(const std::string& ns,
                                  const std::string& name,
                                  const std::string& key) {
  return ReadSecretValue(*client_, ns, name, key).value_or("");
}

std::string ChartEnv::EventsText(const std::string& ns) {
  return testing::EventsText(*client_, ns);
}

}  // namespace sealsync::testing
