// sealctl against a real kube-apiserver: `seal` reads the newest recipient
// from the sealsync-recipients ConfigMap, `--fetch-recipients` prints the
// file as published, a missing ConfigMap and RBAC 403 are explained, offline
// reseal takes its recipient from the cluster, and verify/reseal reach a
// FakeOperator both at --controller-url and through the API server's real
// service proxy (a Service, Endpoints, and a Pod object whose status names
// an address inside a network namespace the test creates: no kubelet runs,
// so the "pod" is a server of this test process listening in there).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "lib/api/manifest.h"
#include "lib/base/base64.h"
#include "sealsync/age.h"
#include "sealsync/kube.h"
#include "sealsync/names.h"
#include "tests/fake_random.h"
#include "tests/sealctl/fake_operator.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/control_plane.h"
#include "tests/support/eventually.h"
#include "tests/support/files.h"
#include "tests/support/net_namespace.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Args = std::vector<std::string>;
using kube::Json;

const kube::Resource kPods{"", "v1", "pods", true};
const kube::Resource kServices{"", "v1", "services", true};
const kube::Resource kEndpoints{"", "v1", "endpoints", true};
const kube::Resource kServiceAccounts{"", "v1", "serviceaccounts", true};
constexpr char kNs[] = "sealsync-system";

// First stderr line, for assertions on the error.
std::string ErrorLine(const CommandResult& r) {
  return r.err.substr(0, r.err.find('\n'));
}

class SealctlClusterTest : public ::testing::Test {
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
    for (int i = 0; i < 3; ++i) {
      keys_.push_back(X25519Identity::Generate(random_));
      key_files_.push_back(Path("key" + std::to_string(i) + ".txt"));
      WriteFile(key_files_.back(),
                FormatIdentityFile(keys_.back(), "2024-01-01T00:00:00Z"));
    }
    // Key 1 is the newest, key 0 the one before.
    published_ = "# sealsync recipients, newest first\n" + Recipient(1) + "\n" +
                 Recipient(0) + "\n";
    auto ns =
        client_->Create(kube::kNamespaces, {{"apiVersion", "v1"},
                                            {"kind", "Namespace"},
                                            {"metadata", {{"name", kNs}}}});
    ASSERT_TRUE(ns || ns.error().code() == ErrorCode::kAlreadyExists)
        << ns.error().message();
    auto cm = client_->Apply(
        kube::kConfigMaps,
        {{"apiVersion", "v1"},
         {"kind", "ConfigMap"},
         {"metadata",
          {{"name", names::kRecipientsConfigMap}, {"namespace", kNs}}},
         {"data", {{names::kRecipientsDataKey, published_}}}},
        {"sealctl-integration-test", true});
    ASSERT_TRUE(cm.has_value()) << cm.error().message();
  }

  void TearDown() override {
    if (client_ != nullptr) {
      (void)client_->Delete(kube::kConfigMaps,
                            {kNs, std::string(names::kRecipientsConfigMap)});
    }
  }

  std::string Path(std::string_view name) const { return dir_ / name; }
  std::string Recipient(int i) const { return keys_[i].recipient().ToString(); }
  std::string Kubeconfig() const { return cp_->kubeconfig(); }

  std::string Manifest() const {
    return "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: "
           "team-a}\nstringData: {password: " +
           std::string(kCanary) + "}\n";
  }

  CommandResult UnsealWith(int i, const std::string& manifest) {
    WriteFile(Path("to-open.yaml"), manifest);
    return RunInProcess(
        {"unseal", "-f", Path("to-open.yaml"), "-i", key_files_[i]}, "");
  }

  // A kubeconfig for a user with a client certificate from the cluster CA
  // and no RBAC bindings at all.
  std::string NobodyKubeconfig() {
    std::string path =
        cp_->UnprivilegedKubeconfig(dir_.path(), "sealctl-nobody");
    EXPECT_FALSE(path.empty());
    return path;
  }

  ControlPlane* cp_ = nullptr;
  std::unique_ptr<kube::Client> client_;
  FakeRandom random_{23};
  TempDir dir_{"sealctl-it"};
  std::vector<X25519Identity> keys_;
  std::vector<std::string> key_files_;
  std::string published_;
};

TEST_F(SealctlClusterTest, SealWithoutRecipientUsesTheNewestPublishedKey) {
  CommandResult r =
      RunInProcess({"seal", "--kubeconfig", Kubeconfig()}, Manifest());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  CommandResult opened = UnsealWith(1, r.out);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
  // Only the newest: the older published key does not open it.
  EXPECT_EQ(UnsealWith(0, r.out).exit_code, 1);

  // --raw too; and $KUBECONFIG is honoured without --kubeconfig.
  ASSERT_EQ(setenv("KUBECONFIG", Kubeconfig().c_str(), 1), 0);
  r = RunInProcess({"seal", "--raw", "-n", "team-a", "--name", "db"},
                   std::string(kCanary));
  unsetenv("KUBECONFIG");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  WriteFile(Path("raw.txt"), r.out);
  r = RunInProcess({"unseal", "--raw", "-f", Path("raw.txt"), "-i",
                    key_files_[1], "-n", "team-a", "--name", "db"},
                   "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kCanary);
}

// The workflow of teams that keep k8s/secrets/<ns>/<name>.sealed.yaml: seal
// a live Secret (read with the user's own RBAC) into that layout, server
// fields and kubectl's last-applied annotation (plaintext) dropped.
TEST_F(SealctlClusterTest, SealFromClusterWritesTheRepositoryLayout) {
  const std::string ns = cp_->NewNamespace("live");
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata",
                  {{"name", "db"},
                   {"namespace", ns},
                   {"labels", {{"app", "web"}}},
                   {"annotations",
                    {{"kubectl.kubernetes.io/last-applied-configuration",
                      "{\"stringData\":{\"password\":\"" +
                          std::string(kCanary) + "\"}}"}}}}},
                 {"stringData", {{"password", std::string(kCanary)}}}};
  ASSERT_TRUE(client_->Create(kube::kSecrets, secret).has_value());
  const std::string out = Path("k8s-secrets");
  CommandResult r =
      RunInProcess({"seal", "--kubeconfig", Kubeconfig(), "--from-cluster",
                    ns + "/db", "--out-dir", out},
                   "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string file = out + "/" + ns + "/db.sealed.yaml";
  ASSERT_TRUE(fs::exists(file)) << r.err;
  std::string text = ReadFile(file);
  EXPECT_EQ(text.find(kCanary), std::string::npos);
  EXPECT_EQ(text.find("last-applied"), std::string::npos);
  EXPECT_EQ(text.find("resourceVersion"), std::string::npos);
  CommandResult opened = UnsealWith(1, text);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("app: web"), std::string::npos);
  // --all: every Secret of the namespace, to stdout.
  CommandResult all = RunInProcess(
      {"seal", "--kubeconfig", Kubeconfig(), "--all", "-n", ns}, "");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("name: db"), std::string::npos);
  // Without RBAC on Secrets: said, nothing written.
  CommandResult denied =
      RunInProcess({"seal", "--kubeconfig", NobodyKubeconfig(), "--recipient",
                    Recipient(0), "--from-cluster", ns + "/db"},
                   "");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_EQ(denied.out, "");
  EXPECT_NE(denied.err.find("forbidden"), std::string::npos) << denied.err;
}

TEST_F(SealctlClusterTest, FetchRecipientsPrintsTheFileAsPublished) {
  CommandResult r = RunInProcess({"seal", "--fetch-recipients", "--kubeconfig",
                                  Kubeconfig(), "--context", "sealsync-test"},
                                 "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, published_);
  EXPECT_EQ(r.err, "");
  // Saved, it seals offline to the same keys.
  WriteFile(Path("recipients.txt"), r.out);
  r = RunInProcess({"seal", "-R", Path("recipients.txt")}, Manifest());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(UnsealWith(0, r.out).exit_code, 0);

  r = RunInProcess({"seal", "--fetch-recipients", "--kubeconfig", Kubeconfig(),
                    "--context", "nope"},
                   "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("context \"nope\" not found"), std::string::npos)
      << r.err;
}

TEST_F(SealctlClusterTest, MissingConfigMapIsExplained) {
  std::string empty_ns = cp_->NewNamespace("sealctl-empty");
  for (const std::string& ns : {empty_ns, std::string("no-such-namespace")}) {
    CommandResult r = RunInProcess(
        {"seal", "--kubeconfig", Kubeconfig(), "--controller-namespace", ns},
        Manifest());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(ErrorLine(r),
              "sealctl: error: cannot read recipients from the cluster: no "
              "sealsync recipients in namespace " +
                  ns + " (is the operator running?)");
    EXPECT_NE(r.err.find("sealctl: hint: to seal offline, pass "
                         "--recipients-file FILE"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("--controller-namespace NS"), std::string::npos);
    EXPECT_EQ(r.err.find(kCanary), std::string::npos);
  }
  // The operator's own namespace without the ConfigMap.
  ASSERT_TRUE(client_->Delete(kube::kConfigMaps,
                              {kNs, std::string(names::kRecipientsConfigMap)}));
  CommandResult r = RunInProcess(
      {"seal", "--fetch-recipients", "--kubeconfig", Kubeconfig()}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("no sealsync recipients in namespace "
                              "sealsync-system (is the operator running?)"),
            std::string::npos)
      << r.err;
}

TEST_F(SealctlClusterTest, RbacForbiddenIsSaid) {
  std::string kc = NobodyKubeconfig();
  CommandResult r = RunInProcess({"seal", "--kubeconfig", kc}, Manifest());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(ErrorLine(r).find("not allowed to read ConfigMap "
                              "sealsync-system/sealsync-recipients (RBAC)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ErrorLine(r).find("sealctl-nobody"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sealctl: hint: your user needs get on "
                       "configmaps/sealsync-recipients in sealsync-system"),
            std::string::npos)
      << r.err;

  // The service proxy too, with the same client certificate.
  WriteFile(Path("sealed.yaml"),
            RunInProcess({"seal", "-r", Recipient(0)}, Manifest()).out);
  r = RunInProcess({"verify", "-f", Path("sealed.yaml"), "--kubeconfig", kc},
                   "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("cannot reach the operator through the API "
                              "server (service sealsync-system/sealsync)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ErrorLine(r).find("forbidden"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("services/proxy"), std::string::npos) << r.err;
}

// deploy/recipients-rbac.yaml lets every authenticated user read the
// recipients, and nothing more.
TEST_F(SealctlClusterTest, ShippedRbacLetsAnyAuthenticatedUserFetchRecipients) {
  std::string kc = NobodyKubeconfig();
  std::string text = ReadFile(std::string(SEALSYNC_SOURCE_DIR) +
                              "/deploy/recipients-rbac.yaml");
  const kube::Resource roles{"rbac.authorization.k8s.io", "v1", "roles", true};
  const kube::Resource bindings{"rbac.authorization.k8s.io", "v1",
                                "rolebindings", true};
  size_t split = text.find("\n---\n");
  ASSERT_NE(split, std::string::npos);
  for (auto [doc, res] : {std::pair{text.substr(0, split), &roles},
                          std::pair{text.substr(split + 5), &bindings}}) {
    auto parsed = api::ParseManifest(doc, api::Scalars::kTyped);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    auto applied =
        client_->Apply(*res, Json::parse(parsed->dump()), {"test", true});
    ASSERT_TRUE(applied.has_value()) << applied.error().message();
  }
  CommandResult r;
  // RBAC changes take effect within moments; poll rather than sleep.
  for (int i = 0; i < 50; ++i) {
    r = RunInProcess({"seal", "--kubeconfig", kc, "--fetch-recipients"}, "");
    if (r.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(Recipient(0)), std::string::npos) << r.out;
  // Other objects in the namespace stay closed to that user.
  auto cfg = kube::LoadKubeconfig({kc, ""});
  ASSERT_TRUE(cfg.has_value());
  auto nobody = kube::NewClient(*cfg);
  auto secrets = (*nobody)->List(kube::kSecrets, "sealsync-system", {});
  ASSERT_FALSE(secrets.has_value());
  EXPECT_EQ(secrets.error().code(), ErrorCode::kPermissionDenied);
  ASSERT_TRUE(
      client_
          ->Delete(bindings, {"sealsync-system", "sealsync-recipients-reader"})
          .has_value());
  ASSERT_TRUE(
      client_->Delete(roles, {"sealsync-system", "sealsync-recipients-reader"})
          .has_value());
}

TEST_F(SealctlClusterTest, OfflineResealTakesTheNewestRecipientFromTheCluster) {
  WriteFile(Path("old.yaml"),
            RunInProcess({"seal", "-r", Recipient(2)}, Manifest()).out);
  CommandResult r = RunInProcess({"reseal", "-f", Path("old.yaml"), "-i",
                                  key_files_[2], "--kubeconfig", Kubeconfig()},
                                 "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(UnsealWith(1, r.out).exit_code, 0);
  EXPECT_EQ(UnsealWith(2, r.out).exit_code, 1);
  EXPECT_EQ(UnsealWith(0, r.out).exit_code, 1);
}

TEST_F(SealctlClusterTest, VerifyAndResealAtControllerUrl) {
  FakeOperator op({keys_[1], keys_[0]});
  WriteFile(Path("sealed.yaml"),
            RunInProcess({"seal", "-r", Recipient(0)}, Manifest()).out);
  CommandResult r = RunInProcess(
      {"verify", "-f", Path("sealed.yaml"), "--controller-url", op.url()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("ok: can be unsealed (keys: ")) << r.out;
  r = RunInProcess(
      {"reseal", "-f", Path("sealed.yaml"), "--controller-url", op.url()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(UnsealWith(1, r.out).exit_code, 0);
  EXPECT_EQ(UnsealWith(0, r.out).exit_code, 1);
}

TEST_F(SealctlClusterTest, MissingOperatorServiceIsExplained) {
  std::string ns = cp_->NewNamespace("sealctl-nosvc");
  WriteFile(Path("sealed.yaml"),
            RunInProcess({"seal", "-r", Recipient(0)}, Manifest()).out);
  CommandResult r =
      RunInProcess({"verify", "-f", Path("sealed.yaml"), "--kubeconfig",
                    Kubeconfig(), "--controller-namespace", ns},
                   "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(ErrorLine(r).find("(service " + ns + "/sealsync)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(ErrorLine(r).find("not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--controller-name NAME"), std::string::npos) << r.err;

  // The operator is down: its Service has no ready endpoints (503).
  ASSERT_TRUE(client_->Create(
      kServices, {{"apiVersion", "v1"},
                  {"kind", "Service"},
                  {"metadata", {{"name", "sealsync"}, {"namespace", ns}}},
                  {"spec", {{"ports", {{{"name", "api"}, {"port", 8080}}}}}}}));
  ASSERT_TRUE(client_->Create(
      kEndpoints, {{"apiVersion", "v1"},
                   {"kind", "Endpoints"},
                   {"metadata", {{"name", "sealsync"}, {"namespace", ns}}}}));
  EXPECT_TRUE(Eventually([&] {
    r = RunInProcess({"reseal", "-f", Path("sealed.yaml"), "--kubeconfig",
                      Kubeconfig(), "--controller-namespace", ns},
                     "");
    return ErrorLine(r).find("no endpoints available") != std::string::npos;
  })) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("to reseal offline, pass -i"), std::string::npos)
      << r.err;
}

// The way a developer reaches the operator: through the API server's service
// proxy. kube-apiserver v1.34 resolves it from Endpoints (not EndpointSlices;
// pkg/registry/core/service/storage ResourceLocation), only to an address
// that the targetRef Pod lists in status.podIPs, and never to loopback. So the
// fake operator listens at 198.18.0.2 inside a network namespace of this test,
// a veth away from the host where kube-apiserver runs, and a Pod object (no
// kubelet runs) reports that address as its IP.
TEST_F(SealctlClusterTest, VerifyAndResealThroughTheServiceProxy) {
  SEALSYNC_REQUIRE_NET_NAMESPACE(netns, {.prefix = "sealsync-proxy"});
  const std::string ip = netns->inner_ip();
  std::unique_ptr<FakeOperator> op;  // after netns: destroyed first
  auto inside = netns->RunInside([&] {
    op = std::make_unique<FakeOperator>(std::vector{keys_[1], keys_[0]}, ip);
  });
  ASSERT_TRUE(inside.has_value()) << inside.error().message();
  ASSERT_NE(op->server().port(), 0)
      << "cannot listen at " << ip << " in " << netns->name();

  const std::string secret =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: "
      "team-a\n  labels: {app: web}\ntype: kubernetes.io/basic-auth\n"
      "stringData:\n  password: " +
      std::string(kCanary) + "\n  username: admin\n";
  const std::string ok = Path("sealed.json");  // sealed to a key it holds
  WriteFile(
      ok, RunInProcess({"seal", "-r", Recipient(0), "-o", "json"}, secret).out);
  const std::string foreign = Path("foreign.yaml");  // to one it does not
  WriteFile(foreign, RunInProcess({"seal", "-r", Recipient(2)}, secret).out);

  // The host namespace, where kube-apiserver runs, reaches it over the veth.
  CommandResult r = RunInProcess(
      {"verify", "-f", ok, "--controller-url", op->server().url()}, "");
  ASSERT_EQ(r.exit_code, 0)
      << "the host cannot reach " << op->server().url() << ": " << r.err;

  std::string ns = cp_->NewNamespace("sealctl-proxy");
  auto must = [](const Result<Json>& res) {
    ASSERT_TRUE(res.has_value()) << res.error().message();
  };
  must(client_->Create(
      kServiceAccounts,
      {{"apiVersion", "v1"},
       {"kind", "ServiceAccount"},
       {"metadata", {{"name", "default"}, {"namespace", ns}}}}));
  must(client_->Create(
      kPods, {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "sealsync-0"}, {"namespace", ns}}},
              {"spec",
               {{"automountServiceAccountToken", false},
                {"containers",
                 {{{"name", "operator"}, {"image", "sealsync:test"}}}}}}}));
  must(client_->MergePatch(
      kPods, {ns, "sealsync-0"},
      {{"status", {{"podIP", ip}, {"podIPs", {{{"ip", ip}}}}}}}, true));
  must(client_->Create(
      kServices, {{"apiVersion", "v1"},
                  {"kind", "Service"},
                  {"metadata", {{"name", "sealsync"}, {"namespace", ns}}},
                  {"spec", {{"ports", {{{"name", "api"}, {"port", 8080}}}}}}}));
  must(client_->Create(
      kEndpoints,
      {{"apiVersion", "v1"},
       {"kind", "Endpoints"},
       {"metadata", {{"name", "sealsync"}, {"namespace", ns}}},
       {"subsets",
        {{{"addresses",
           {{{"ip", ip},
             {"targetRef",
              {{"kind", "Pod"}, {"namespace", ns}, {"name", "sealsync-0"}}}}}},
          {"ports",
           {{{"name", "api"},
             {"port", op->server().port()},
             {"protocol", "TCP"}}}}}}}}));
  auto sealctl = [&](Args args) {
    args.insert(args.end(),
                {"--kubeconfig", Kubeconfig(), "--controller-namespace", ns});
    return RunInProcess(args, "");
  };
  const std::string proxy =
      "/api/v1/namespaces/" + ns + "/services/http:sealsync:api/proxy";

  // verify: yes for a value sealed to a key the operator holds. (The first
  // calls may race the API server's view of the new objects.)
  EXPECT_TRUE(Eventually([&] {
    r = sealctl({"verify", "-f", ok});
    return r.exit_code == 0;
  })) << r.err;
  EXPECT_EQ(r.out, "ok: can be unsealed (keys: " +
                       keys_[0].recipient().KeyId() + ")\n");
  EXPECT_EQ(r.err, "");
  auto reqs = op->server().requests();
  ASSERT_EQ(reqs.size(), 2u);  // the direct call above, and this one
  EXPECT_EQ(reqs[1].path, "/v1/verify");
  EXPECT_EQ(reqs[1].headers["x-forwarded-uri"], proxy + "/v1/verify");
  EXPECT_EQ(reqs[1].body, ReadFile(ok));

  // ... and no, with the reason, for one it cannot decrypt.
  r = sealctl({"verify", "-f", foreign});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(ErrorLine(r).starts_with("sealctl: error: NoMatchingKey: "))
      << r.err;
  EXPECT_NE(ErrorLine(r).find(keys_[2].recipient().KeyId()), std::string::npos)
      << r.err;  // the key it was sealed for
  EXPECT_NE(r.err.find("sealctl: hint: none of the keys opens it"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);

  // reseal: rewrapped to the newest key only, JSON in and JSON out, and
  // nothing but the ciphertexts changed.
  r = sealctl({"reseal", "-f", ok});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::string resealed = r.out;
  EXPECT_EQ(op->server().requests().back().headers["x-forwarded-uri"],
            proxy + "/v1/rewrap");
  CommandResult opened = UnsealWith(1, resealed);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_EQ(UnsealWith(0, resealed).exit_code, 1);
  EXPECT_EQ(UnsealWith(2, resealed).exit_code, 1);
  EXPECT_EQ(opened.out, UnsealWith(0, ReadFile(ok)).out);
  Json before = Json::parse(ReadFile(ok), nullptr, false);
  Json after = Json::parse(resealed, nullptr, false);
  ASSERT_FALSE(after.is_discarded()) << resealed;
  ASSERT_EQ(after["spec"]["encryptedData"].size(), 2u) << resealed;
  for (Json* j : {&before, &after}) {
    for (auto& [key, value] : (*j)["spec"]["encryptedData"].items()) {
      EXPECT_TRUE(value.is_string()) << key;
      value = "(ciphertext)";
    }
  }
  EXPECT_EQ(after, before);
  // A value it cannot open is refused, not passed through.
  r = sealctl({"reseal", "-f", foreign});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(ErrorLine(r).starts_with("sealctl: error: NoMatchingKey: "))
      << r.err;

  // The operator's pod is there but nothing listens: the API server's dial
  // fails, and sealctl names the service.
  const std::string unreachable =
      "sealctl: error: cannot reach the operator through the API server "
      "(service " +
      ns + "/sealsync): ";
  op.reset();
  r = sealctl({"verify", "-f", ok});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(ErrorLine(r).starts_with(unreachable)) << r.err;
  EXPECT_NE(ErrorLine(r).find("connection refused"), std::string::npos)
      << r.err;

  // No endpoints at all (the operator is not ready): 503 from the API server.
  must(client_->MergePatch(kEndpoints, {ns, "sealsync"},
                           {{"subsets", Json::array()}}, false));
  EXPECT_TRUE(Eventually([&] {
    r = sealctl({"reseal", "-f", ok});
    return ErrorLine(r).find("no endpoints available") != std::string::npos;
  })) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(ErrorLine(r).starts_with(unreachable)) << r.err;
  EXPECT_NE(r.err.find("sealctl: hint: to reseal offline, pass -i"),
            std::string::npos)
      << r.err;

  // The namespace and its link go with the helper.
  const std::string netns_path = "/var/run/netns/" + netns->name();
  const std::string link_path = "/sys/class/net/" + netns->host_link();
  EXPECT_TRUE(fs::exists(netns_path));
  EXPECT_TRUE(fs::exists(link_path));
  netns.reset();
  EXPECT_FALSE(fs::exists(netns_path));
  EXPECT_FALSE(fs::exists(link_path));
}

}  // namespace
}  // namespace sealsync::testing
