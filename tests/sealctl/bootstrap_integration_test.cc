// sealctl bootstrap against a real kube-apiserver: the Secret is created,
// a re-run is "unchanged", new env values are "updated", its data decodes to
// the env values; missing variables, a missing namespace, RBAC 403 and a
// Secret that is not ours are explained; and the canary credential never
// reaches stdout or stderr (raw or base64) in any of these cases.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "lib/base/base64.h"
#include "sealsync/kube.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/control_plane.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;
using Args = std::vector<std::string>;
using kube::Json;

constexpr char kIdEnv[] = "INFISICAL_CLIENT_ID";
constexpr char kSecretEnv[] = "INFISICAL_CLIENT_SECRET";
constexpr char kClientId[] = "6f1c2b9e-0a4d-4c1e-9b7a-canary-client-id";

std::string ErrorLine(const CommandResult& r) {
  return r.err.substr(0, r.err.find('\n'));
}

std::string Decode(const Json& secret, const std::string& key) {
  if (!secret.contains("data") || !secret["data"].contains(key))
    return "<none>";
  auto b = Base64Decode(secret["data"][key].get<std::string>());
  return b ? std::string(b->begin(), b->end()) : "<bad base64>";
}

class SealctlBootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cp_ = ControlPlane::Shared();
    if (cp_ == nullptr) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "control plane did not start; CI needs it";
      GTEST_SKIP() << "control plane did not start";
    }
    client_ = cp_->NewClient();
    ASSERT_NE(client_, nullptr);
    fs::create_directory(Path("tmp"));
    ns_ = cp_->NewNamespace("sealctl-boot");
    SetCredential(kClientId, std::string(kCanary));
  }

  void TearDown() override {
    unsetenv(kIdEnv);
    unsetenv(kSecretEnv);
  }

  void SetCredential(const std::string& id, const std::string& secret) {
    ASSERT_EQ(setenv(kIdEnv, id.c_str(), 1), 0);
    ASSERT_EQ(setenv(kSecretEnv, secret.c_str(), 1), 0);
  }

  std::string Path(std::string_view name) const { return dir_ / name; }

  // Runs `sealctl bootstrap ARGS` with TMPDIR pointing at an empty directory
  // and checks what every run must hold: nothing of the credential on
  // stdout or stderr, no temp file written, one line on success.
  CommandResult Bootstrap(Args args) {
    args.insert(args.begin(), "bootstrap");
    const char* old_tmp = std::getenv("TMPDIR");
    std::string saved = old_tmp ? old_tmp : "";
    setenv("TMPDIR", Path("tmp").c_str(), 1);
    CommandResult r = RunInProcess(args, "");
    if (old_tmp) {
      setenv("TMPDIR", saved.c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    std::string shown = r.out + r.err;
    for (std::string secret : {std::string(kCanary), std::string(kClientId),
                               std::string("canary-2-rotated")}) {
      EXPECT_EQ(shown.find(secret), std::string::npos) << shown;
      EXPECT_EQ(shown.find(Base64Encode(AsBytes(secret))), std::string::npos)
          << shown;
    }
    EXPECT_TRUE(fs::is_empty(Path("tmp"))) << "a temp file was written";
    if (r.exit_code == 0) {
      EXPECT_EQ(r.err, "");
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    } else {
      EXPECT_EQ(r.exit_code, 1);
      EXPECT_EQ(r.out, "");
      EXPECT_TRUE(r.err.starts_with("sealctl: error: ")) << r.err;
    }
    return r;
  }

  Args Base(const std::string& ns, const std::string& name = "infisical") {
    return {"--namespace",    ns, "--name", name, "--kubeconfig",
            cp_->kubeconfig()};
  }

  Json GetSecret(const std::string& name = "infisical") {
    auto s = client_->Get(kube::kSecrets, {ns_, name});
    EXPECT_TRUE(s.has_value()) << s.error().message();
    return s ? *s : Json();
  }

  // A kubeconfig for a user with a client certificate from the cluster CA
  // and no RBAC bindings at all.
  std::string NobodyKubeconfig() {
    std::string path =
        cp_->UnprivilegedKubeconfig(dir_.path(), "sealctl-boot-nobody");
    EXPECT_FALSE(path.empty());
    return path;
  }

  ControlPlane* cp_ = nullptr;
  std::unique_ptr<kube::Client> client_;
  TempDir dir_{"sealctl-boot"};
  std::string ns_;
};

TEST_F(SealctlBootstrapTest, CreatesThenUnchangedThenUpdated) {
  std::string line = "secret " + ns_ + "/infisical ";
  std::string keys = " (keys: clientId, clientSecret)\n";

  CommandResult r = Bootstrap(Base(ns_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, line + "created" + keys);
  Json s = GetSecret();
  EXPECT_EQ(s.value("type", ""), "Opaque");
  EXPECT_EQ(Decode(s, "clientId"), kClientId);
  EXPECT_EQ(Decode(s, "clientSecret"), kCanary);
  EXPECT_EQ(s["data"].size(), 2u);
  EXPECT_EQ(s["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "sealctl-bootstrap");
  bool ours = false;
  for (const auto& mf : s["metadata"]["managedFields"])
    ours |= mf.value("manager", "") == "sealctl-bootstrap" &&
            mf.value("operation", "") == "Apply";
  EXPECT_TRUE(ours) << s["metadata"]["managedFields"].dump();
  std::string rv = s["metadata"]["resourceVersion"];

  // Idempotent: the same values change nothing, not even resourceVersion.
  r = Bootstrap(Base(ns_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, line + "unchanged" + keys);
  EXPECT_EQ(GetSecret()["metadata"]["resourceVersion"], rv);

  // Dry runs say what would happen and write nothing.
  r = Bootstrap([&] {
    Args a = Base(ns_);
    a.push_back("--dry-run");
    return a;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "dry run: " + line + "would be unchanged" + keys);
  SetCredential(kClientId, "canary-2-rotated");
  r = Bootstrap([&] {
    Args a = Base(ns_);
    a.push_back("--dry-run");
    return a;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "dry run: " + line + "would be updated" + keys);
  EXPECT_EQ(Decode(GetSecret(), "clientSecret"), kCanary);
  r = Bootstrap([&] {
    Args a = Base(ns_, "other");
    a.push_back("--dry-run");
    return a;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "dry run: secret " + ns_ + "/other would be created" + keys);
  EXPECT_FALSE(client_->Get(kube::kSecrets, {ns_, "other"}).has_value());

  // A rotated secret updates it; a key someone else added stays.
  ASSERT_TRUE(client_->MergePatch(kube::kSecrets, {ns_, "infisical"},
                                  {{"data", {{"note", "aGk="}}}}));
  r = Bootstrap(Base(ns_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, line + "updated" + keys);
  s = GetSecret();
  EXPECT_EQ(Decode(s, "clientSecret"), "canary-2-rotated");
  EXPECT_EQ(Decode(s, "clientId"), kClientId);
  EXPECT_EQ(Decode(s, "note"), "hi");
  r = Bootstrap(Base(ns_));
  EXPECT_EQ(r.out, line + "unchanged" + keys);
}

TEST_F(SealctlBootstrapTest, CustomVariablesAndKeys) {
  ASSERT_EQ(setenv("CD_ID", "canary-2-rotated", 1), 0);
  ASSERT_EQ(setenv("CD_SECRET", std::string(kCanary).c_str(), 1), 0);
  unsetenv(kIdEnv);
  unsetenv(kSecretEnv);
  Args a = Base(ns_, "universal-auth");
  for (const char* f :
       {"--client-id-env", "CD_ID", "--client-secret-env", "CD_SECRET",
        "--client-id-key", "client-id", "--client-secret-key", "client.secret"})
    a.push_back(f);
  CommandResult r = Bootstrap(a);
  unsetenv("CD_ID");
  unsetenv("CD_SECRET");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "secret " + ns_ +
                       "/universal-auth created (keys: client-id, "
                       "client.secret)\n");
  Json s = GetSecret("universal-auth");
  EXPECT_EQ(Decode(s, "client-id"), "canary-2-rotated");
  EXPECT_EQ(Decode(s, "client.secret"), kCanary);
  EXPECT_EQ(s["data"].size(), 2u);
}

TEST_F(SealctlBootstrapTest, MissingVariableNamesItNotTheValue) {
  unsetenv(kSecretEnv);
  CommandResult r = Bootstrap(Base(ns_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(ErrorLine(r),
            "sealctl: error: environment variable INFISICAL_CLIENT_SECRET is "
            "not set");
  EXPECT_NE(r.err.find("--client-secret-env NAME"), std::string::npos) << r.err;
  // Empty counts as not set (CI systems pass unset secrets as "").
  SetCredential("", std::string(kCanary));
  r = Bootstrap(Base(ns_));
  EXPECT_EQ(ErrorLine(r),
            "sealctl: error: environment variable INFISICAL_CLIENT_ID is not "
            "set");
  EXPECT_FALSE(client_->Get(kube::kSecrets, {ns_, "infisical"}).has_value());
}

TEST_F(SealctlBootstrapTest, MissingNamespaceIsExplained) {
  for (bool dry : {false, true}) {
    Args a = Base("no-such-namespace-boot");
    if (dry) a.push_back("--dry-run");
    CommandResult r = Bootstrap(a);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(ErrorLine(r),
              "sealctl: error: namespace no-such-namespace-boot does not "
              "exist");
    EXPECT_NE(r.err.find("kubectl create namespace no-such-namespace-boot"),
              std::string::npos)
        << r.err;
  }
}

TEST_F(SealctlBootstrapTest, RbacForbiddenIsSaid) {
  std::string kc = NobodyKubeconfig();
  CommandResult r =
      Bootstrap({"-n", ns_, "--name", "infisical", "--kubeconfig", kc});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("not allowed to read Secret " + ns_ +
                              "/infisical (RBAC)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ErrorLine(r).find("sealctl-boot-nobody"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sealctl: hint: your user needs get, create and patch "
                       "on secrets in namespace " +
                       ns_),
            std::string::npos)
      << r.err;

  // Allowed to read Secrets but not to write them.
  const kube::Resource roles{"rbac.authorization.k8s.io", "v1", "roles", true};
  const kube::Resource bindings{"rbac.authorization.k8s.io", "v1",
                                "rolebindings", true};
  ASSERT_TRUE(client_->Create(
      roles, {{"apiVersion", "rbac.authorization.k8s.io/v1"},
              {"kind", "Role"},
              {"metadata", {{"name", "read-secrets"}, {"namespace", ns_}}},
              {"rules",
               {{{"apiGroups", {""}},
                 {"resources", {"secrets"}},
                 {"verbs", {"get"}}}}}}));
  ASSERT_TRUE(client_->Create(
      bindings, {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                 {"kind", "RoleBinding"},
                 {"metadata", {{"name", "read-secrets"}, {"namespace", ns_}}},
                 {"roleRef",
                  {{"apiGroup", "rbac.authorization.k8s.io"},
                   {"kind", "Role"},
                   {"name", "read-secrets"}}},
                 {"subjects",
                  {{{"apiGroup", "rbac.authorization.k8s.io"},
                    {"kind", "User"},
                    {"name", "sealctl-boot-nobody"}}}}}));
  for (int i = 0; i < 50; ++i) {  // the authorizer sees the binding shortly
    r = Bootstrap({"-n", ns_, "--name", "infisical", "--kubeconfig", kc});
    if (ErrorLine(r).find("not allowed to read") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("not allowed to write Secret " + ns_ +
                              "/infisical (RBAC)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ErrorLine(r).find("cannot patch resource"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sealctl: hint: your user needs get, create and patch"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(client_->Get(kube::kSecrets, {ns_, "infisical"}).has_value());
}

TEST_F(SealctlBootstrapTest, RefusesSecretsThatAreNotOurs) {
  ASSERT_TRUE(client_->Create(
      kube::kSecrets, {{"apiVersion", "v1"},
                       {"kind", "Secret"},
                       {"metadata", {{"name", "tls"}, {"namespace", ns_}}},
                       {"type", "kubernetes.io/tls"},
                       {"data", {{"tls.crt", ""}, {"tls.key", ""}}}}));
  CommandResult r = Bootstrap(Base(ns_, "tls"));
  EXPECT_EQ(ErrorLine(r), "sealctl: error: Secret " + ns_ +
                              "/tls exists with type kubernetes.io/tls, not "
                              "Opaque");
  ASSERT_TRUE(client_->Create(
      kube::kSecrets,
      {{"apiVersion", "v1"},
       {"kind", "Secret"},
       {"metadata",
        {{"name", "derived"},
         {"namespace", ns_},
         {"labels", {{"app.kubernetes.io/managed-by", "sealsync"}}}}},
       {"data", {{"clientId", "eA=="}}}}));
  r = Bootstrap(Base(ns_, "derived"));
  EXPECT_NE(ErrorLine(r).find("/derived is managed by sealsync"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Decode(GetSecret("derived"), "clientId"), "x");
}

TEST_F(SealctlBootstrapTest, KubeconfigErrorsNeverShowTheCredential) {
  CommandResult r = Bootstrap({"-n", ns_, "--name", "infisical", "--kubeconfig",
                               cp_->kubeconfig(), "--context", "nope"});
  EXPECT_NE(ErrorLine(r).find("context \"nope\" not found"), std::string::npos)
      << r.err;
  // An API server that is not there.
  WriteFile(Path("down.kubeconfig"),
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
            "    server: https://127.0.0.1:1\nusers:\n- name: u\n  user: "
            "{token: t}\ncontexts:\n- name: c\n  context: {cluster: c, user: "
            "u}\ncurrent-context: c\n");
  r = Bootstrap({"-n", ns_, "--name", "infisical", "--kubeconfig",
                 Path("down.kubeconfig")});
  EXPECT_NE(ErrorLine(r).find("cannot reach the API server"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace sealsync::testing
