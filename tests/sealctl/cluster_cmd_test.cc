// sealctl verify / reseal / seal-from-the-cluster against fakes on real
// sockets: FakeOperator for the operator API (--controller-url, and behind a
// fake API server for the service-proxy URL and credentials), and offline
// reseal (-i). The real API server cases are in cluster_integration_test.cc.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/base/base64.h"
#include "sealsync/age.h"
#include "sealsync/api.h"
#include "sealsync/sealed_secret.h"
#include "tests/fake_random.h"
#include "tests/sealctl/fake_operator.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

using Args = std::vector<std::string>;
using Json = nlohmann::json;

// The contract of every failing command: exit 1, nothing on stdout, one
// "sealctl: error: " line (the first) containing `phrase`, only hints after
// it, and never the secret value.
void ExpectFailure(const CommandResult& r, std::string_view phrase) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::istringstream lines(r.err);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line)) << "no stderr";
  EXPECT_TRUE(line.starts_with("sealctl: error: ")) << r.err;
  EXPECT_NE(line.find(phrase), std::string::npos)
      << "want \"" << phrase << "\" in: " << r.err;
  while (std::getline(lines, line))
    EXPECT_TRUE(line.starts_with("sealctl: hint: ")) << r.err;
  EXPECT_EQ(r.err.find(kCanary), std::string::npos) << r.err;
}

bool HasHint(const CommandResult& r, std::string_view phrase) {
  size_t at = r.err.find("\nsealctl: hint: ");
  return at != std::string::npos && r.err.find(phrase, at) != std::string::npos;
}

// A port nothing listens on (bound, then closed).
int ClosedPort() {
  FakeHttpServer s([](const FakeRequest&) { return FakeReply{}; });
  return s.port();
}

class ClusterCmdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      keys_.push_back(X25519Identity::Generate(random_));
      key_files_.push_back(Path("key" + std::to_string(i) + ".txt"));
      WriteFile(key_files_.back(),
                FormatIdentityFile(keys_.back(), "2024-01-01T00:00:00Z"));
    }
    // Never read the developer's own cluster.
    WriteFile(Path("no-cluster"), "");
  }

  std::string Path(std::string_view name) const { return dir_ / name; }
  std::string Recipient(int i) const { return keys_[i].recipient().ToString(); }

  std::string Manifest(std::string_view ns = "team-a") const {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
           "  namespace: " +
           std::string(ns) +
           "\n  labels: {app: web}\ntype: kubernetes.io/basic-auth\n"
           "stringData:\n  password: " +
           std::string(kCanary) + "\n  username: admin\n";
  }

  // Seals Manifest() to key `i` into file `name`; returns its path.
  std::string SealTo(int i, const std::string& name, Args extra = {}) {
    Args args{"seal", "-r", Recipient(i)};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = RunInProcess(args, Manifest());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    WriteFile(Path(name), r.out);
    return Path(name);
  }

  // Unseals `manifest` with key `i` through sealctl.
  CommandResult UnsealWith(int i, const std::string& manifest) {
    WriteFile(Path("to-open.yaml"), manifest);
    return RunInProcess(
        {"unseal", "-f", Path("to-open.yaml"), "-i", key_files_[i]}, "");
  }

  std::string KeyIdsOf(const std::string& path, int key) {
    std::ifstream f(path);
    std::stringstream b;
    b << f.rdbuf();
    auto obj = api::ParseSealedSecret(b.str());
    std::vector<X25519Identity> k = {keys_[key]};
    auto u = sealed::Unseal(*obj, k);
    EXPECT_TRUE(u.has_value());
    std::string out;
    for (const auto& id : u->key_ids) out += (out.empty() ? "" : ", ") + id;
    return out;
  }

  FakeRandom random_{11};
  TempDir dir_{"sealctl-cluster"};
  std::vector<X25519Identity> keys_;
  std::vector<std::string> key_files_;
};

// --- verify --------------------------------------------------------------

TEST_F(ClusterCmdTest, VerifyOkNamesTheKeys) {
  FakeOperator op({keys_[1], keys_[0]});
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r =
      RunInProcess({"verify", "-f", file, "--controller-url", op.url()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok: can be unsealed (keys: " + KeyIdsOf(file, 0) + ")\n");
  EXPECT_EQ(r.err, "");
  // The file went to the operator as it is, to the verify endpoint.
  auto reqs = op.server().requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].path, "/v1/verify");
  EXPECT_EQ(reqs[0].headers["content-type"], "application/yaml");
  std::ifstream f(file);
  std::stringstream b;
  b << f.rdbuf();
  EXPECT_EQ(reqs[0].body, b.str());
}

TEST_F(ClusterCmdTest, VerifyFailuresNameTheReason) {
  FakeOperator op({keys_[2]});
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r = RunInProcess(
      {"verify", "-f", file, "--controller-url", op.url() + "/"}, "");
  ExpectFailure(r, "sealctl: error: NoMatchingKey: ");
  EXPECT_TRUE(HasHint(r, "seal it again")) << r.err;

  // Moved to another namespace: the operator has the key, the scope fails.
  FakeOperator right({keys_[0]});
  std::string moved = SealTo(0, "moved.yaml");
  std::ifstream f(moved);
  std::stringstream b;
  b << f.rdbuf();
  std::string text = b.str();
  text.replace(text.find("namespace: team-a"), 17, "namespace: team-b");
  WriteFile(moved, text);
  r = RunInProcess({"verify", "-f", moved, "--controller-url", right.url()},
                   "");
  ExpectFailure(r, "ScopeMismatch: ");
}

TEST_F(ClusterCmdTest, VerifyReadsStdinAndChecksItFirst) {
  FakeOperator op({keys_[0]});
  std::string file = SealTo(0, "sealed.yaml");
  std::ifstream f(file);
  std::stringstream b;
  b << f.rdbuf();
  CommandResult r =
      RunInProcess({"verify", "--controller-url", op.url()}, b.str());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Not a SealedSecret: refused before any request.
  r = RunInProcess({"verify", "--controller-url", op.url()}, Manifest());
  ExpectFailure(r, "reading the SealedSecret");
  EXPECT_EQ(op.server().requests().size(), 1u);
}

TEST_F(ClusterCmdTest, OperatorErrorsAreNamed) {
  FakeOperator op({keys_[0]});
  std::string file = SealTo(0, "sealed.yaml");
  Args verify{"verify", "-f", file, "--controller-url", op.url()};

  op.SetCannedReply(FakeReply{
      429, "application/json",
      R"({"ok":false,"reason":"RateLimited","message":"too many requests"})"});
  ExpectFailure(RunInProcess(verify, ""), "RateLimited");

  op.SetCannedReply(FakeReply{404, "text/plain", "404 page not found\n"});
  CommandResult r = RunInProcess(verify, "");
  ExpectFailure(r, "the operator answered HTTP 404 to POST /v1/verify");
  EXPECT_TRUE(HasHint(r, "--controller-url")) << r.err;

  op.SetCannedReply(FakeReply{200, "application/json", R"({"hello":1})"});
  ExpectFailure(RunInProcess(verify, ""), "not a verdict");

  op.SetCannedReply(FakeReply{
      400, "application/json",
      R"({"ok":false,"reason":"Malformed","message":"spec.scope: bad"})"});
  ExpectFailure(RunInProcess(verify, ""), "Malformed: spec.scope: bad");

  r = RunInProcess({"verify", "-f", file, "--controller-url",
                    "http://127.0.0.1:" + std::to_string(ClosedPort())},
                   "");
  ExpectFailure(r, "cannot reach the operator: POST http://127.0.0.1:");

  ExpectFailure(
      RunInProcess(
          {"verify", "-f", file, "--controller-url", "ftp://127.0.0.1/"}, ""),
      "--controller-url: ftp://127.0.0.1/v1/verify: not an http");
}

// --- reseal through the operator ----------------------------------------

TEST_F(ClusterCmdTest, ResealThroughTheOperatorMovesToItsNewestKey) {
  FakeOperator op({keys_[1], keys_[0]});  // key 1 is the newest
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r = RunInProcess(
      {"reseal", "-f", file, "--controller-url", op.url(), "-o", "json"}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("{")) << r.out;
  auto resealed = api::ParseSealedSecret(r.out);
  ASSERT_TRUE(resealed.has_value());
  EXPECT_EQ(resealed->metadata.ns, "team-a");
  EXPECT_EQ(resealed->metadata.name, "db");
  EXPECT_EQ(resealed->template_.labels.at("app"), "web");
  CommandResult opened = UnsealWith(1, r.out);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
  ExpectFailure(UnsealWith(0, r.out), "no key of mine matches");

  // Default output: the input's format (YAML here).
  r = RunInProcess({"reseal", "-f", file, "--controller-url", op.url()}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("apiVersion: sealsync.dev/v1alpha1")) << r.out;
}

TEST_F(ClusterCmdTest, ResealThroughTheOperatorFailures) {
  FakeOperator op({keys_[2]});
  std::string file = SealTo(0, "sealed.yaml");
  Args reseal{"reseal", "-f", file, "--controller-url", op.url()};
  CommandResult r = RunInProcess(reseal, "");
  ExpectFailure(r, "NoMatchingKey: ");

  // An answer that is some other object is refused, not printed.
  std::string other = SealTo(2, "other.yaml");
  std::ifstream f(other);
  std::stringstream b;
  b << f.rdbuf();
  std::string text = b.str();
  text.replace(text.find("name: db"), 8, "name: xx");
  op.SetCannedReply(FakeReply{200, "application/yaml", text});
  ExpectFailure(RunInProcess(reseal, ""), "not the same SealedSecret");

  op.SetCannedReply(FakeReply{
      503, "application/json",
      R"({"ok":false,"reason":"NoKeys","message":"the operator has no keys yet"})"});
  ExpectFailure(RunInProcess(reseal, ""), "NoKeys: the operator has no keys");

  r = RunInProcess({"reseal", "-f", file, "--controller-url",
                    "http://127.0.0.1:" + std::to_string(ClosedPort())},
                   "");
  ExpectFailure(r, "cannot reach the operator");
  EXPECT_TRUE(HasHint(r, "to reseal offline, pass -i IDENTITY_FILE")) << r.err;
}

// --- the service-proxy path, against a fake API server ------------------

class FakeApiServerTest : public ClusterCmdTest {
 protected:
  // A kubeconfig for `server_url` with a bearer token.
  std::string Kubeconfig(const std::string& server_url) {
    std::string path = Path("kubeconfig");
    WriteFile(path,
              "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n"
              "  cluster: {server: '" +
                  server_url +
                  "'}\nusers:\n- name: u\n  user: {token: tok-123}\n"
                  "contexts:\n- name: fake\n  context: {cluster: fake, user: "
                  "u}\ncurrent-context: fake\n");
    return path;
  }
};

TEST_F(FakeApiServerTest, VerifyGoesThroughTheServiceProxyWithCredentials) {
  FakeOperator op({keys_[0]});
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r = RunInProcess(
      {"verify", "-f", file, "--kubeconfig", Kubeconfig(op.url() + "/k8s/"),
       "--controller-namespace", "ops", "--controller-name", "sealer"},
      "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto reqs = op.server().requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path,
            "/k8s/api/v1/namespaces/ops/services/http:sealer:api/proxy/"
            "v1/verify");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer tok-123");
}

TEST_F(FakeApiServerTest, ApiServerStatusAnswersAreErrors) {
  FakeOperator api({keys_[0]});
  std::string file = SealTo(0, "sealed.yaml");
  Args verify{"verify", "-f", file, "--kubeconfig", Kubeconfig(api.url())};
  auto status = [](int code, std::string reason, std::string message) {
    return FakeReply{code, "application/json",
                     Json{{"kind", "Status"},
                          {"apiVersion", "v1"},
                          {"status", "Failure"},
                          {"reason", reason},
                          {"message", message},
                          {"code", code}}
                         .dump()};
  };
  api.SetCannedReply(status(503, "ServiceUnavailable",
                            "no endpoints available for service \"sealsync\""));
  ExpectFailure(RunInProcess(verify, ""),
                "cannot reach the operator through the API server (service "
                "sealsync-system/sealsync)");

  api.SetCannedReply(
      status(404, "NotFound", "services \"sealsync\" not found"));
  CommandResult r = RunInProcess(verify, "");
  ExpectFailure(r, "services \"sealsync\" not found");
  EXPECT_TRUE(HasHint(r, "--controller-name")) << r.err;
  EXPECT_TRUE(HasHint(r, "--controller-namespace")) << r.err;

  api.SetCannedReply(status(403, "Forbidden", "cannot get services/proxy"));
  r = RunInProcess(verify, "");
  ExpectFailure(r, "Forbidden");
  EXPECT_TRUE(HasHint(r, "services/proxy")) << r.err;

  // A non-Status error on the proxy path comes from the operator itself.
  api.SetCannedReply(FakeReply{
      429, "application/json",
      R"({"ok":false,"reason":"RateLimited","message":"too many requests"})"});
  ExpectFailure(RunInProcess(verify, ""), "RateLimited");
}

TEST_F(FakeApiServerTest, SealReadsTheNewestRecipientFromTheConfigMap) {
  std::string recipients = "# sealsync recipients, newest first\n" +
                           Recipient(1) + "\n" + Recipient(0) + "\n";
  FakeHttpServer api([&](const FakeRequest& req) {
    if (req.path ==
        "/api/v1/namespaces/sealsync-system/configmaps/sealsync-recipients") {
      return FakeReply{200, "application/json",
                       Json{{"kind", "ConfigMap"},
                            {"data", {{"recipients.txt", recipients}}}}
                           .dump()};
    }
    return FakeReply{404, "application/json",
                     R"({"kind":"Status","code":404,"reason":"NotFound"})"};
  });
  std::string kc = Kubeconfig(api.url());
  CommandResult r = RunInProcess({"seal", "--kubeconfig", kc}, Manifest());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(UnsealWith(1, r.out).exit_code, 0);
  ExpectFailure(UnsealWith(0, r.out), "no key of mine matches");

  r = RunInProcess({"seal", "--kubeconfig", kc, "--fetch-recipients"}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, recipients);

  r = RunInProcess(
      {"seal", "--kubeconfig", kc, "--controller-namespace", "elsewhere"},
      Manifest());
  ExpectFailure(r,
                "no sealsync recipients in namespace elsewhere (is the "
                "operator running?)");
  EXPECT_TRUE(HasHint(r, "--recipients-file")) << r.err;
}

// --- offline reseal -------------------------------------------------------

TEST_F(ClusterCmdTest, OfflineResealOpensWithTheNewKeyOnlyAndKeepsScope) {
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r = RunInProcess(
      {"reseal", "-f", file, "-i", key_files_[0], "-r", Recipient(1)}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  auto before = api::ParseSealedSecret(
      RunInProcess({"seal", "-r", Recipient(0)}, Manifest()).out);
  auto after = api::ParseSealedSecret(r.out);
  ASSERT_TRUE(after.has_value()) << r.out;
  EXPECT_EQ(after->scope, "Strict");
  EXPECT_EQ(after->template_.type, before->template_.type);
  EXPECT_EQ(after->template_.labels, before->template_.labels);

  CommandResult opened = UnsealWith(1, r.out);
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
  ExpectFailure(UnsealWith(0, r.out), "no key of mine matches");

  // The values are still bound to team-a/db.
  std::string moved = r.out;
  moved.replace(moved.find("namespace: team-a"), 17, "namespace: team-b");
  ExpectFailure(UnsealWith(1, moved), "scope");
}

TEST_F(ClusterCmdTest, OfflineResealKeepsSodiumAndFormat) {
  std::string file =
      SealTo(0, "sealed.json", {"--format", "sodium", "-o", "json"});
  WriteFile(Path("recipients.txt"), "# new\n" + Recipient(2) + "\n");
  CommandResult r = RunInProcess(
      {"reseal", "-f", file, "-i", key_files_[0], "-R", Path("recipients.txt")},
      "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("{")) << r.out;
  auto after = api::ParseSealedSecret(r.out);
  ASSERT_TRUE(after.has_value());
  for (const auto& [k, v] : after->encrypted_data)
    EXPECT_TRUE(v.starts_with("sodium:")) << k;
  EXPECT_EQ(UnsealWith(2, r.out).exit_code, 0);
}

TEST_F(ClusterCmdTest, OfflineResealErrors) {
  std::string file = SealTo(0, "sealed.yaml");
  CommandResult r = RunInProcess(
      {"reseal", "-f", file, "-i", key_files_[2], "-r", Recipient(1)}, "");
  ExpectFailure(r,
                "NoMatchingKey: SealedSecret team-a/db: "
                "spec.encryptedData.");
  EXPECT_TRUE(HasHint(r, "seal it again")) << r.err;

  // No recipients given and no cluster: says how to do it offline.
  r = RunInProcess({"reseal", "-f", file, "-i", key_files_[0], "--kubeconfig",
                    Path("missing-kubeconfig")},
                   "");
  ExpectFailure(r, "cannot read recipients from the cluster: ");
  EXPECT_TRUE(HasHint(r, "--recipients-file")) << r.err;
  EXPECT_TRUE(HasHint(r, "--kubeconfig")) << r.err;

  ExpectFailure(RunInProcess({"reseal", "-f", file, "-i", Path("nope.txt"),
                              "-r", Recipient(1)},
                             ""),
                "nope.txt");
}

TEST_F(ClusterCmdTest, FlagErrors) {
  std::string file = SealTo(0, "sealed.yaml");
  struct Case {
    Args args;
    std::string phrase;
  } cases[] = {
      {{"reseal", "-f", file, "-r", Recipient(1)}, "--identity"},
      {{"reseal", "-f", file, "-R", Path("r.txt")}, "--identity"},
      {{"reseal", "-f", file, "-i", key_files_[0], "--controller-url",
        "http://127.0.0.1:1"},
       "excludes"},
      {{"reseal", "-f", file, "-o", "xml"}, "xml"},
      {{"seal", "--fetch-recipients", "-r", Recipient(0)}, "excludes"},
      {{"verify", "--bogus"}, "--bogus"},
      {{"verify", "-f", file, "--kubeconfig", Path("no-cluster"),
        "--controller-namespace", "Bad_NS"},
       "--controller-namespace \"Bad_NS\" is not a namespace name"},
      {{"verify", "-f", file, "--kubeconfig", Path("no-cluster"),
        "--controller-name", "a/b"},
       "--controller-name \"a/b\" is not a Service name"},
      {{"verify", "-f", Path("missing.yaml"), "--controller-url",
        "http://127.0.0.1:1"},
       "missing.yaml"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args[0] + " " + c.args.back());
    ExpectFailure(RunInProcess(c.args, ""), c.phrase);
  }
}

TEST_F(ClusterCmdTest, HelpListsTheNewFlags) {
  struct Case {
    Args args;
    std::vector<std::string> flags;
  } cases[] = {
      {{"--help"}, {"verify", "reseal"}},
      {{"seal", "--help"},
       {"--fetch-recipients", "--kubeconfig", "--context",
        "--controller-namespace"}},
      {{"verify", "--help"},
       {"--file", "--kubeconfig", "--context", "--controller-namespace",
        "--controller-name", "--controller-url"}},
      {{"reseal", "--help"},
       {"--file", "--output", "--identity", "--recipient", "--recipients-file",
        "--controller-url", "--controller-name"}},
  };
  for (const auto& c : cases) {
    CommandResult r = RunInProcess(c.args, "");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "");
    for (const auto& f : c.flags)
      EXPECT_NE(r.out.find(f), std::string::npos) << c.args[0] << " " << f;
  }
}

}  // namespace
}  // namespace sealsync::testing
