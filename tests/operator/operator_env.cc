#include "tests/operator/operator_env.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/api/manifest.h"
#include "sealsync/names.h"
#include "tests/support/cluster_read.h"
#include "tests/support/operator_log.h"

#ifndef SEALSYNC_OPERATOR_BINARY
#error "SEALSYNC_OPERATOR_BINARY must be defined"
#endif

namespace sealsync::testing {
namespace {

using kube::Json;

const kube::Resource kSealed{"sealsync.dev", "v1alpha1", "sealedsecrets", true};

void EnsureCrds(kube::Client& client) {
  static bool done = false;
  if (done) return;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(SEALSYNC_SOURCE_DIR) + "/crds")) {
    if (entry.path().extension() != ".yaml") continue;
    auto doc = api::ParseManifest(ReadFile(entry.path()), api::Scalars::kTyped);
    if (!doc) continue;
    Json crd = Json::parse(doc->dump());
    (void)client.Apply(kube::kCrds, crd, {"sealsync-test", true});
    std::string name = crd["metadata"]["name"];
    Eventually([&] {
      auto c = client.Get(kube::kCrds, {"", name});
      if (!c) return false;
      for (const auto& cond :
           (*c)["status"].value("conditions", Json::array())) {
        if (cond["type"] == "Established" && cond["status"] == "True")
          return true;
      }
      return false;
    });
  }
  done = true;
}

std::string Curl(const std::string& args, long* code) {
  std::string out;
  RunCommand("curl -s -w '\\n%{http_code}' " + args, &out);
  size_t nl = out.rfind('\n');
  long c = 0;
  if (nl != std::string::npos) {
    c = std::strtol(out.c_str() + nl + 1, nullptr, 10);
    out.resize(nl);
  }
  if (code) *code = c;
  return out;
}

}  // namespace

std::string OperatorProcess::Get(const std::string& path, long* code,
                                 const std::string& accept) const {
  std::string h = accept.empty() ? "" : "-H 'Accept: " + accept + "' ";
  std::string base = path.starts_with("/v1/") ? api : health;
  return Curl(h + "http://" + base + path, code);
}

std::string OperatorProcess::Post(const std::string& path,
                                  const std::string& body, long* code,
                                  const std::string& curl_args) const {
  std::string file = log_path + ".body";
  std::ofstream(file) << body;
  return Curl("-X POST --data-binary @" + file + " " + curl_args + " http://" +
                  api + path,
              code);
}

OperatorEnv::OperatorEnv(ControlPlane* cp) : cp_(cp), client_(cp->NewClient()) {
  EnsureCrds(*client_);
  op_ns_ = cp->NewNamespace("sealsync-op");
  ns_ = cp->NewNamespace("team");
  ns2_ = cp->NewNamespace("team-b");
  binary_ = SEALSYNC_OPERATOR_BINARY;
}

std::unique_ptr<OperatorProcess> OperatorEnv::Start(
    const std::vector<std::string>& extra, const std::string& identity) {
  static int counter = 0;
  auto op = std::make_unique<OperatorProcess>();
  op->log_path = cp_->dir() + "/operator-" + op_ns_ + "-" +
                 std::to_string(++counter) + ".log";
  std::vector<std::string> argv = {
      binary_, "--kubeconfig", cp_->kubeconfig(), "--namespace", op_ns_,
      "--watch-namespaces", ns_ + "," + ns2_, "--health-addr", "127.0.0.1:0",
      "--api-addr", "127.0.0.1:0", "--lease-duration", "4s", "--renew-deadline",
      "3s", "--retry-period", "500ms", "--log-level", "debug",
      // the Infisical double listens on loopback over plain http
      "--vault-allowed-hosts=127.0.0.1", "--vault-insecure-hosts=127.0.0.1",
      "--identity",
      identity.empty() ? "op-" + std::to_string(counter) : identity};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto proc = Subprocess::Start(argv, op->log_path);
  if (!proc) return nullptr;
  op->proc = std::make_unique<Subprocess>(std::move(*proc));
  bool serving = Eventually(
      [&] {
        auto s = FindServing(op->Log());
        if (s) {
          op->health = s->health;
          op->api = s->api;
        }
        return s.has_value();
      },
      std::chrono::seconds(20));
  if (!serving) return nullptr;
  return op;
}

Result<kube::ListResult> OperatorEnv::SealingKeySecrets() {
  return client().List(
      kube::kSecrets, op_ns(),
      {.label_selector = std::string(names::kSealingKeyLabel)});
}

std::vector<X25519Recipient> OperatorEnv::Recipients() {
  auto cm = client_->Get(kube::kConfigMaps,
                         {op_ns_, std::string(names::kRecipientsConfigMap)});
  if (!cm) return {};
  std::string text =
      (*cm)["data"].value(std::string(names::kRecipientsDataKey), "");
  auto rs = ParseRecipientsFile(text);
  return rs ? *rs : std::vector<X25519Recipient>{};
}

std::optional<X25519Recipient> OperatorEnv::NewestRecipient() {
  std::vector<X25519Recipient> rs;
  Eventually([&] {
    rs = Recipients();
    return !rs.empty();
  });
  if (rs.empty()) return std::nullopt;
  return rs.front();
}

kube::Json OperatorEnv::SealedSecret(
    const std::string& name, const std::map<std::string, std::string>& values,
    const X25519Recipient& to, Scope scope, const std::string& ns_in) {
  std::string ns = ns_in.empty() ? ns_ : ns_in;
  ScopeBinding b{scope, scope == Scope::kCluster ? "" : ns,
                 scope == Scope::kStrict ? name : ""};
  Json data = Json::object();
  std::vector<X25519Recipient> rs = {to};
  for (const auto& [k, v] : values) {
    data[k] = *SealValue(AsBytes(v), rs, b, SealFormat::kAge, SystemRandom());
  }
  return {
      {"apiVersion", "sealsync.dev/v1alpha1"},
      {"kind", "SealedSecret"},
      {"metadata", {{"name", name}, {"namespace", ns}}},
      {"spec",
       {{"scope", std::string(ScopeName(scope))}, {"encryptedData", data}}}};
}

Result<kube::Json> OperatorEnv::Apply(const kube::Json& obj) {
  return client_->Apply(kSealed, obj, {"sealsync-test", true});
}

std::optional<kube::Json> OperatorEnv::Ready(const std::string& name,
                                             const std::string& ns) {
  auto obj = client_->Get(kSealed, {ns.empty() ? ns_ : ns, name});
  if (!obj || !obj->contains("status")) return std::nullopt;
  for (const auto& c : (*obj)["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c;
  }
  return std::nullopt;
}

std::optional<kube::Json> OperatorEnv::WaitForSecretAndStatus(
    const kube::Resource& owner, const std::string& name,
    const std::function<bool()>& secret_ready, std::string_view reason,
    const std::string& ns) {
  return testing::WaitForSecretAndStatus(*client_, owner, ns.empty() ? ns_ : ns,
                                         name, secret_ready, reason);
}

std::optional<std::string> OperatorEnv::SecretValue(const std::string& name,
                                                    const std::string& key,
                                                    const std::string& ns) {
  return ReadSecretValue(*client_, ns.empty() ? ns_ : ns, name, key);
}

std::string OperatorEnv::EventsText(const std::string& ns) {
  return testing::EventsText(*client_, ns.empty() ? ns_ : ns);
}

}  // namespace sealsync::testing
