#include "tests/support/control_plane.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>

#include "lib/base/base64.h"

#ifndef SEALSYNC_SOURCE_DIR
#error "SEALSYNC_SOURCE_DIR must be defined"
#endif

namespace sealsync::testing {
namespace {

std::string Script() {
  return std::string("bash ") + SEALSYNC_SOURCE_DIR +
         "/scripts/controlplane.sh";
}

ControlPlane* g_shared = nullptr;

void StopShared() {
  delete g_shared;  // only ever an instance this process started
  g_shared = nullptr;
}

}  // namespace

int RunCommand(const std::string& command, std::string* out) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  std::string o;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.append(buf, n);
  int status = ::pclose(p);
  if (out != nullptr) *out = o;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ControlPlane* ControlPlane::Shared() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Under CTest a fixture has started one for all tests (and stops it).
    if (const char* dir = std::getenv("SEALSYNC_CONTROLPLANE_DIR");
        dir != nullptr && *dir != '\0') {
      if (std::ifstream(std::string(dir) + "/kubeconfig").good()) {
        static ControlPlane shared(dir);
        shared.owned_ = false;
        g_shared = &shared;
      } else {
        std::cerr << "SEALSYNC_CONTROLPLANE_DIR=" << dir
                  << " has no kubeconfig\n";
      }
      return;
    }
    std::string out;
    // The script's watchdog stops it if this process dies without stopping
    // it (a crash or abort skips the atexit handler).
    int rc = RunCommand(
        "SEALSYNC_CONTROLPLANE_OWNER_PID=" + std::to_string(::getpid()) + " " +
            Script() + " start",
        &out);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
      out.pop_back();
    if (rc != 0 || out.empty()) {
      std::cerr << "control plane start failed (exit " << rc << ")\n";
      return;
    }
    // stdout is the kubeconfig path inside the state folder.
    std::string dir = out.substr(0, out.rfind('/'));
    g_shared = new ControlPlane(dir);
    std::atexit(StopShared);
  });
  return g_shared;
}

ControlPlane::~ControlPlane() {
  if (owned_) RunCommand(Script() + " stop " + dir_ + " >&2");
}

int ControlPlane::etcd_port() const {
  std::ifstream f(dir_ + "/etcd.port");
  int port = 0;
  f >> port;
  return port;
}

std::unique_ptr<kube::Client> ControlPlane::NewClient() const {
  auto config = kube::LoadKubeconfig({kubeconfig(), ""});
  if (!config) {
    std::cerr << "kubeconfig: " << config.error().message() << "\n";
    return nullptr;
  }
  auto client = kube::NewClient(*config);
  if (!client) return nullptr;
  return std::move(*client);
}

bool ControlPlane::RestartApiServer() const {
  return RunCommand(Script() + " restart-apiserver " + dir_ + " >&2") == 0;
}

bool ControlPlane::CompactEtcd() const {
  std::string url = "http://127.0.0.1:" + std::to_string(etcd_port());
  std::string out;
  // The current revision, from a range request on an empty key range.
  if (RunCommand(
          "curl -sf -X POST " + url + "/v3/kv/range -d '{\"key\":\"AA==\"}'",
          &out) != 0) {
    return false;
  }
  size_t at = out.find("\"revision\":\"");
  if (at == std::string::npos) return false;
  std::string rev = out.substr(at + 12, out.find('"', at + 12) - at - 12);
  return RunCommand("curl -sf -X POST " + url +
                    "/v3/kv/compaction -d '{\"revision\":\"" + rev +
                    "\",\"physical\":true}' >/dev/null") == 0;
}

std::string ControlPlane::UnprivilegedKubeconfig(
    const std::string& dir, const std::string& user) const {
  std::string pki = dir_ + "/pki";
  std::ofstream(dir + "/ext.cnf") << "extendedKeyUsage=clientAuth\n";
  std::string cmd =
      "cd '" + dir +
      "' && openssl ecparam -name prime256v1 -genkey -noout -out " + user +
      ".key 2>/dev/null && openssl req -new -key " + user +
      ".key -subj /CN=" + user + " 2>/dev/null | openssl x509 -req -CA '" +
      pki + "/ca.crt' -CAkey '" + pki + "/ca.key' -set_serial " +
      std::to_string(std::random_device{}() % 100000 + 1000) +
      " -days 1 -extfile ext.cnf -out " + user + ".crt 2>/dev/null";
  if (RunCommand(cmd) != 0) return "";
  auto read = [](const std::string& path) {
    std::ifstream f(path);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  };
  auto b64 = [](const std::string& text) {
    return Base64Encode(AsBytes(text));
  };
  std::string port = read(dir_ + "/apiserver.port");
  while (!port.empty() && port.back() == '\n') port.pop_back();
  std::string path = dir + "/" + user + ".kubeconfig";
  std::ofstream(path)
      << "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
      << "    server: https://127.0.0.1:" << port << "\n"
      << "    certificate-authority-data: " << b64(read(pki + "/ca.crt"))
      << "\n"
      << "users:\n- name: " << user << "\n  user:\n"
      << "    client-certificate-data: " << b64(read(dir + "/" + user + ".crt"))
      << "\n"
      << "    client-key-data: " << b64(read(dir + "/" + user + ".key")) << "\n"
      << "contexts:\n- name: c\n  context: {cluster: c, user: " << user << "}\n"
      << "current-context: c\n";
  return path;
}

std::string ControlPlane::NewNamespace(const std::string& prefix) const {
  static std::mt19937 rng(std::random_device{}());
  std::string name = prefix + "-" + std::to_string(rng() % 1000000);
  auto client = NewClient();
  kube::Json ns = {{"apiVersion", "v1"},
                   {"kind", "Namespace"},
                   {"metadata", {{"name", name}}}};
  auto r = client->Create(kube::kNamespaces, ns);
  if (!r)
    std::cerr << "namespace " << name << ": " << r.error().message() << "\n";
  return name;
}

}  // namespace sealsync::testing
