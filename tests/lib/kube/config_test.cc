// Kubeconfig loading (kubectl's rules), in-cluster config and exec credential
// plugins. Errors name the file and the field and never a credential.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lib/base/base64.h"
#include "sealsync/kube.h"
#include "tests/lib/kube/config_test_util.h"

namespace sealsync::kube {
namespace {

using namespace ::sealsync::kube::kubetest;

void ExpectConfig(const RestConfig& got, const RestConfig& want) {
  EXPECT_EQ(got.server, want.server);
  EXPECT_EQ(got.ca_pem, want.ca_pem);
  EXPECT_EQ(got.insecure_skip_tls_verify, want.insecure_skip_tls_verify);
  EXPECT_EQ(got.client_cert_pem, want.client_cert_pem);
  EXPECT_EQ(got.client_key_pem, want.client_key_pem);
  EXPECT_EQ(got.bearer_token, want.bearer_token);
  EXPECT_EQ(got.token_file, want.token_file);
  EXPECT_EQ(got.ns, want.ns);
  ASSERT_EQ(got.exec.has_value(), want.exec.has_value());
  if (want.exec) {
    EXPECT_EQ(got.exec->command, want.exec->command);
    EXPECT_EQ(got.exec->args, want.exec->args);
    EXPECT_EQ(got.exec->env, want.exec->env);
    EXPECT_EQ(got.exec->api_version, want.exec->api_version);
  }
}

// ---------------------------------------------------------------------------
// One kubeconfig, one context "dev" -> cluster "c", user "dev": each auth and
// TLS form, and the errors for each field.

struct FieldCase {
  std::string name;
  std::string cluster;  // flow mapping; '@' is the kubeconfig's directory
  std::string user;
  RestConfig want;                // on success ('@' replaced in paths)
  std::optional<ErrorCode> code;  // on failure
  std::string message;            // substring of the error, '@' replaced
};

constexpr const char* kServer = "{server: https://k.example:6443}";
const std::string kCanaryToken = "{token: " + std::string(kCanary) + "}";

std::vector<FieldCase> FieldCases() {
  const std::string certs = "client-certificate: client.crt, client-key: ";
  const RestConfig base{.server = "https://k.example:6443"};
  auto with = [&](auto f) {
    RestConfig c = base;
    f(c);
    return c;
  };
  ExecConfig exec{"@/bin/plugin",
                  {"get-token", "--cluster=c"},
                  {{"AWS_PROFILE", "dev"}, {"EMPTY", ""}},
                  "client.authentication.k8s.io/v1"};
  return {
      {"Token", kServer, kCanaryToken,
       with([](RestConfig& c) { c.bearer_token = kCanary; })},
      {"TokenFileRelative", kServer, "{tokenFile: token}",
       with([](RestConfig& c) { c.token_file = "@/token"; })},
      {"TokenFileAbsolute", kServer, "{tokenFile: @/sub/../token}",
       with([](RestConfig& c) { c.token_file = "@/token"; })},
      {"TokenFileMissing",
       kServer,
       "{tokenFile: nope}",
       {},
       ErrorCode::kNotFound,
       "kubeconfig @/config: users[dev].user.tokenFile: could not read @/nope"},
      {"ClientCertFiles", kServer, "{" + certs + "sub/../client.key}",
       with([](RestConfig& c) {
         c.client_cert_pem = kCertPem;
         c.client_key_pem = kKeyPem;
       })},
      {"ClientCertData", kServer,
       "{client-certificate-data: " + B64(kCertPem) +
           ", client-key-data: " + B64(kKeyPem) + "}",
       with([](RestConfig& c) {
         c.client_cert_pem = kCertPem;
         c.client_key_pem = kKeyPem;
       })},
      {"ClientCertDataWrapped", kServer,
       "{client-certificate-data: \"" + B64(kCertPem).insert(8, "\\n  ") +
           "\", client-key-data: " + B64(kKeyPem) + "}",
       with([](RestConfig& c) {
         c.client_cert_pem = kCertPem;
         c.client_key_pem = kKeyPem;
       })},
      {"ClientCertDataNotBase64",
       kServer,
       "{client-certificate-data: '" + std::string(kCanary) +
           "*', client-key-data: " + B64(kKeyPem) + "}",
       {},
       ErrorCode::kInvalidArgument,
       "kubeconfig @/config: users[dev].user.client-certificate-data: not "
       "valid "
       "base64"},
      {"ClientCertDataNotPem",
       kServer,
       "{client-certificate-data: " + B64(B64(kCertPem)) +
           ", client-key-data: " + B64(kKeyPem) + "}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.client-certificate-data: does not contain a PEM block"},
      {"ClientCertFileAndData",
       kServer,
       "{" + certs + "client.key, client-certificate-data: " + B64(kCertPem) +
           "}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.client-certificate-data: set together with "
       "client-certificate"},
      {"ClientCertWithoutKey",
       kServer,
       "{client-certificate: client.crt}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.client-key: missing (client-certificate is set)"},
      {"ClientKeyFileMissing",
       kServer,
       "{" + certs + "gone.key}",
       {},
       ErrorCode::kNotFound,
       "users[dev].user.client-key: could not read @/gone.key"},
      {"TokenNotAString",
       kServer,
       "{token: [a, b]}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.token: must be a string"},
      {"CaFileRelative",
       "{server: https://k.example:6443, certificate-authority: sub/ca.crt}",
       kCanaryToken, with([](RestConfig& c) {
         c.ca_pem = kCaPem;
         c.bearer_token = kCanary;
       })},
      {"CaData",
       "{server: https://k.example:6443, certificate-authority-data: " +
           B64(kCaPem) + "}",
       "{}", with([](RestConfig& c) { c.ca_pem = kCaPem; })},
      {"CaFileAndData",
       "{server: s, certificate-authority: sub/ca.crt, "
       "certificate-authority-data: " +
           B64(kCaPem) + "}",
       "{}",
       {},
       ErrorCode::kInvalidArgument,
       "kubeconfig @/config: clusters[c].cluster.certificate-authority-data: "
       "set "
       "together with certificate-authority"},
      {"CaFileMissing",
       "{server: s, certificate-authority: nope/ca.crt}",
       "{}",
       {},
       ErrorCode::kNotFound,
       "clusters[c].cluster.certificate-authority: could not read "
       "@/nope/ca.crt"},
      {"InsecureSkipVerify",
       "{server: https://k.example:6443, insecure-skip-tls-verify: true}", "{}",
       with([](RestConfig& c) { c.insecure_skip_tls_verify = true; })},
      {"InsecureWithCa",
       "{server: s, insecure-skip-tls-verify: true, certificate-authority: "
       "sub/ca.crt}",
       "{}",
       {},
       ErrorCode::kInvalidArgument,
       "clusters[c].cluster.insecure-skip-tls-verify: set together with a "
       "certificate authority"},
      {"InsecureNotABool",
       "{server: s, insecure-skip-tls-verify: maybe}",
       "{}",
       {},
       ErrorCode::kInvalidArgument,
       "clusters[c].cluster.insecure-skip-tls-verify: must be true or false"},
      {"ServerMissing",
       "{certificate-authority: sub/ca.crt}",
       "{}",
       {},
       ErrorCode::kInvalidArgument,
       "clusters[c].cluster.server: missing"},
      {"ServerWithoutSchemeGetsHttps", "{server: 'k.example:6443/'}", "{}",
       base},
      {"ServerPathPrefixKept",
       "{server: 'https://rancher.example/k8s/clusters/c-1/'}", "{}",
       RestConfig{.server = "https://rancher.example/k8s/clusters/c-1"}},
      {"ServerBadScheme",
       "{server: 'ftp://k.example'}",
       "{}",
       {},
       ErrorCode::kInvalidArgument,
       "clusters[c].cluster.server: scheme must be https or http"},
      {"Exec", kServer,
       "{exec: {apiVersion: client.authentication.k8s.io/v1, command: "
       "./bin/plugin, args: [get-token, --cluster=c], env: [{name: "
       "AWS_PROFILE, value: dev}, {name: EMPTY}], interactiveMode: Never}}",
       with([&](RestConfig& c) { c.exec = exec; })},
      {"ExecBareCommandUsesPath", kServer,
       "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: "
       "kubelogin}}",
       with([](RestConfig& c) {
         c.exec = ExecConfig{
             "kubelogin", {}, {}, "client.authentication.k8s.io/v1beta1"};
       })},
      {"ExecWithoutApiVersion",
       kServer,
       "{exec: {command: kubelogin}}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.exec.apiVersion: missing"},
      {"ExecRemovedApiVersion",
       kServer,
       "{exec: {command: x, apiVersion: "
       "client.authentication.k8s.io/v1alpha1}}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.exec.apiVersion: \"client.authentication.k8s.io/"
       "v1alpha1\" is not supported"},
      {"ExecEnvWithoutName",
       kServer,
       "{exec: {command: x, apiVersion: client.authentication.k8s.io/v1, env: "
       "[{value: " +
           std::string(kCanary) + "}]}}",
       {},
       ErrorCode::kInvalidArgument,
       "users[dev].user.exec.env[0].name: missing"},
      {"ExecInteractiveAlways",
       kServer,
       "{exec: {command: x, apiVersion: client.authentication.k8s.io/v1, "
       "interactiveMode: Always}}",
       {},
       ErrorCode::kFailedPrecondition,
       "users[dev].user.exec.interactiveMode: Always is not supported"},
      {"AuthProvider",
       kServer,
       "{auth-provider: {name: gcp}}",
       {},
       ErrorCode::kUnimplemented,
       "users[dev].user.auth-provider: not supported"},
      {"BasicAuth",
       kServer,
       "{username: admin, password: " + std::string(kCanary) + "}",
       {},
       ErrorCode::kUnimplemented,
       "users[dev].user.username: basic auth"},
  };
}

class FieldTest : public ::testing::TestWithParam<FieldCase> {};

TEST_P(FieldTest, Loads) {
  const FieldCase& tc = GetParam();
  TempDir dir;
  WriteFile(dir / "token", "file-token\n");
  WriteFile(dir / "client.crt", kCertPem);
  WriteFile(dir / "client.key", kKeyPem);
  WriteFile(dir / "sub/ca.crt", kCaPem);
  WriteFile(
      dir / "config",
      At("apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: c\n  cluster: " +
             tc.cluster + "\nusers:\n- name: dev\n  user: " + tc.user +
             "\n- name: unused\n  user: {client-key-data: '!!'}\n"
             "contexts:\n- name: dev\n  context: {cluster: c, user: dev}\n",
         dir.path()));
  ScopedEnv no_env("KUBECONFIG", nullptr);
  auto got = LoadKubeconfig({.path = dir / "config"});
  if (tc.code) {
    ASSERT_FALSE(got.has_value()) << "loaded, want " << tc.message;
    EXPECT_EQ(got.error().code(), *tc.code) << got.error().message();
    EXPECT_NE(got.error().message().find(At(tc.message, dir.path())),
              std::string::npos)
        << got.error().message();
    EXPECT_EQ(got.error().message().find(kCanary), std::string::npos);
    return;
  }
  ASSERT_TRUE(got.has_value()) << got.error().message();
  RestConfig want = tc.want;
  want.token_file = At(want.token_file, dir.path());
  if (want.exec) want.exec->command = At(want.exec->command, dir.path());
  ExpectConfig(*got, want);
}

INSTANTIATE_TEST_SUITE_P(Kubeconfig, FieldTest,
                         ::testing::ValuesIn(FieldCases()),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------
// File selection, merging and contexts.

// Two files: a/ defines cluster c (https://a), user dev, context dev; b/
// defines the same names differently plus cluster "only-b" with a CA file
// relative to b/ and context "other". `a_current` is a/'s current-context.
void WriteMergeFiles(const TempDir& dir, std::string_view a_current) {
  WriteFile(dir / "a/config",
            "current-context: '" + std::string(a_current) +
                "'\nclusters:\n- {name: c, cluster: {server: https://a}}\n"
                "users:\n- {name: dev, user: {token: token-a}}\n"
                "contexts:\n- {name: dev, context: {cluster: c, user: dev, "
                "namespace: from-a}}\n");
  WriteFile(dir / "b/ca.crt", kCaPem);
  WriteFile(dir / "b/config",
            "current-context: other\n"
            "clusters:\n- {name: c, cluster: {server: https://b}}\n"
            "- {name: only-b, cluster: {server: https://only-b, "
            "certificate-authority: ca.crt}}\n"
            "users:\n- {name: dev, user: {token: token-b}}\n"
            "contexts:\n- {name: dev, context: {cluster: c, user: dev}}\n"
            "- {name: other, context: {cluster: only-b, user: dev}}\n");
}

TEST(LoadKubeconfig, KubeconfigListFirstDefinitionWins) {
  TempDir dir;
  WriteMergeFiles(dir, "");
  std::string list = dir / "missing" + ":" + dir / "a/config" +
                     "::" + dir / "b/config" + ":" + dir / "a/config";
  ScopedEnv env("KUBECONFIG", list.c_str());

  auto dev = LoadKubeconfig({.context = "dev"});
  ASSERT_TRUE(dev.has_value()) << dev.error().message();
  ExpectConfig(
      *dev, {.server = "https://a", .bearer_token = "token-a", .ns = "from-a"});

  // a/ sets no current-context, so b/'s "other" is used; only-b's relative
  // CA path resolves against b/, and user dev still comes from a/.
  auto current = LoadKubeconfig({});
  ASSERT_TRUE(current.has_value()) << current.error().message();
  ExpectConfig(*current, {.server = "https://only-b",
                          .ca_pem = kCaPem,
                          .bearer_token = "token-a"});
}

TEST(LoadKubeconfig, FirstCurrentContextWins) {
  TempDir dir;
  WriteMergeFiles(dir, "dev");
  std::string list = dir / "a/config" + ":" + dir / "b/config";
  ScopedEnv env("KUBECONFIG", list.c_str());
  auto got = LoadKubeconfig({});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->server, "https://a");
}

TEST(LoadKubeconfig, ExplicitPathIgnoresKubeconfigList) {
  TempDir dir;
  WriteMergeFiles(dir, "dev");
  std::string list = dir / "a/config";
  ScopedEnv env("KUBECONFIG", list.c_str());
  auto got = LoadKubeconfig({.path = dir / "b/config", .context = "dev"});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->server, "https://b");
  EXPECT_EQ(got->bearer_token, "token-b");
}

TEST(LoadKubeconfig, DefaultsToHomeKubeConfig) {
  TempDir dir;
  WriteMergeFiles(dir, "dev");
  fs::create_directories(dir / "home/.kube");
  fs::copy_file(dir / "a/config", dir / "home/.kube/config");
  ScopedEnv no_list("KUBECONFIG", "");
  ScopedEnv home("HOME", (dir / "home").c_str());
  auto got = LoadKubeconfig({});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->server, "https://a");
}

TEST(LoadKubeconfig, NoFileIsNotFound) {
  TempDir dir;
  {
    std::string list = dir / "x" + ":" + dir / "y";
    ScopedEnv env("KUBECONFIG", list.c_str());
    auto got = LoadKubeconfig({});
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(got.error().message().find("$KUBECONFIG"), std::string::npos);
  }
  {
    ScopedEnv env("KUBECONFIG", nullptr);
    ScopedEnv home("HOME", dir.path().c_str());
    auto got = LoadKubeconfig({});
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(got.error().message().find(dir / ".kube/config"),
              std::string::npos)
        << got.error().message();
  }
  auto got = LoadKubeconfig({.path = dir / "absent"});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(got.error().message().find(dir / "absent"), std::string::npos);
}

TEST(LoadKubeconfig, RelativePathsResolveAgainstTheFile) {
  const std::string dir = SEALSYNC_TESTDATA "/kubeconfig/relative";
  auto got = LoadKubeconfig({.path = dir + "/config"});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  ExpectConfig(*got, {.server = "https://127.0.0.1:6443",
                      .ca_pem = ReadFile(dir + "/certs/ca.crt"),
                      .client_cert_pem = ReadFile(dir + "/certs/client.crt"),
                      .client_key_pem = ReadFile(dir + "/certs/client.key"),
                      .token_file = dir + "/certs/token",
                      .ns = "team-a"});
}

TEST(LoadKubeconfig, MalformedYamlNamesTheFile) {
  const std::string file = SEALSYNC_TESTDATA "/kubeconfig/malformed.yaml";
  auto got = LoadKubeconfig({.path = file});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(got.error().message().find("kubeconfig " + file +
                                       ": malformed YAML at line"),
            std::string::npos)
      << got.error().message();
  EXPECT_EQ(got.error().message().find(kCanary), std::string::npos);
}

// Whole-file shapes and context selection: each yields an error naming the
// file (or the files) and what is wrong.
struct ShapeCase {
  std::string name;
  std::string text;
  std::string context;  // override
  ErrorCode code;
  std::string message;  // '@' is the file
};

class ShapeTest : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(ShapeTest, Fails) {
  const ShapeCase& tc = GetParam();
  TempDir dir;
  WriteFile(dir / "config", tc.text);
  auto got = LoadKubeconfig({.path = dir / "config", .context = tc.context});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), tc.code) << got.error().message();
  EXPECT_NE(got.error().message().find(At(tc.message, dir / "config")),
            std::string::npos)
      << got.error().message();
}

const std::string kGood =
    "clusters: [{name: c, cluster: {server: https://k}}]\n"
    "users: [{name: u, user: {token: t}}]\n"
    "contexts:\n- {name: dev, context: {cluster: c, user: u}}\n";

INSTANTIATE_TEST_SUITE_P(
    Kubeconfig, ShapeTest,
    ::testing::Values(
        ShapeCase{"EmptyFile", "", "", ErrorCode::kNotFound,
                  "kubeconfig @: current-context is not set"},
        ShapeCase{"NoCurrentContext", kGood, "", ErrorCode::kNotFound,
                  "kubeconfig @: current-context is not set"},
        ShapeCase{"MissingContextOverride", "current-context: dev\n" + kGood,
                  "prod", ErrorCode::kNotFound,
                  "kubeconfig @: context \"prod\" not found"},
        ShapeCase{"MissingCurrentContext", "current-context: gone\n" + kGood,
                  "", ErrorCode::kNotFound,
                  "context \"gone\" not found (current-context)"},
        ShapeCase{
            "UndefinedCluster",
            kGood + "- {name: x, context: {cluster: nope, user: u}}\n", "x",
            ErrorCode::kInvalidArgument,
            "kubeconfig @: contexts[x].context.cluster: cluster \"nope\" is "
            "not defined"},
        ShapeCase{"UndefinedUser",
                  kGood + "- {name: x, context: {cluster: c, user: nope}}\n",
                  "x", ErrorCode::kInvalidArgument,
                  "contexts[x].context.user: user \"nope\" is not defined"},
        ShapeCase{"ContextWithoutCluster", kGood + "- {name: x}\n", "x",
                  ErrorCode::kInvalidArgument,
                  "contexts[x].context.cluster: missing"},
        ShapeCase{"NotAMapping", "- a\n- b\n", "", ErrorCode::kInvalidArgument,
                  "kubeconfig @: not a YAML mapping"},
        ShapeCase{"ClustersNotAList", "clusters: {c: 1}\n", "",
                  ErrorCode::kInvalidArgument,
                  "kubeconfig @: clusters: must be a list"},
        ShapeCase{"EntryWithoutName", "users: [{user: {token: t}}]\n", "",
                  ErrorCode::kInvalidArgument,
                  "kubeconfig @: users[0].name: missing"},
        ShapeCase{"DuplicateName", "users: [{name: u}, {name: u}]\n", "",
                  ErrorCode::kInvalidArgument,
                  "kubeconfig @: users[1]: duplicate name \"u\""},
        ShapeCase{"BodyNotAMapping", "clusters: [{name: c, cluster: [1]}]\n",
                  "", ErrorCode::kInvalidArgument,
                  "clusters[c].cluster: must be a mapping"},
        ShapeCase{"TabIndentation", "clusters:\n\t- name: c\n", "",
                  ErrorCode::kInvalidArgument,
                  "kubeconfig @: malformed YAML at line"}),
    [](const auto& info) { return info.param.name; });

TEST(LoadKubeconfig, ContextWithoutUserIsAnonymous) {
  TempDir dir;
  WriteFile(dir / "config",
            kGood + "- {name: anon, context: {cluster: c, namespace: ns1}}\n");
  auto got = LoadKubeconfig({.path = dir / "config", .context = "anon"});
  ASSERT_TRUE(got.has_value()) << got.error().message();
  ExpectConfig(*got, {.server = "https://k", .ns = "ns1"});
}

// ---------------------------------------------------------------------------
// In-cluster config.

struct InClusterCase {
  std::string name;
  const char* host;
  const char* port;
  std::vector<std::string> files;  // of token, ca.crt, namespace
  std::string server;              // on success
  std::string ns;
  std::optional<ErrorCode> code;
  std::string message;  // '@' is the root
};

class InClusterTest : public ::testing::TestWithParam<InClusterCase> {};

TEST_P(InClusterTest, Config) {
  const InClusterCase& tc = GetParam();
  TempDir root;
  for (const auto& f : tc.files) {
    WriteFile(root / f, f == "token"    ? std::string(kCanary)
                        : f == "ca.crt" ? kCaPem
                                        : "team-a\n");
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", tc.host);
  ScopedEnv port("KUBERNETES_SERVICE_PORT", tc.port);
  auto got = InClusterConfig(root.path().string());
  if (tc.code) {
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code(), *tc.code) << got.error().message();
    EXPECT_NE(got.error().message().find(At(tc.message, root.path())),
              std::string::npos)
        << got.error().message();
    return;
  }
  ASSERT_TRUE(got.has_value()) << got.error().message();
  ExpectConfig(*got, {.server = tc.server,
                      .ca_pem = kCaPem,
                      .token_file = root / "token",  // re-read by the transport
                      .ns = tc.ns});
}

const std::vector<std::string> kAllFiles{"token", "ca.crt", "namespace"};

INSTANTIATE_TEST_SUITE_P(
    InClusterConfig, InClusterTest,
    ::testing::Values(
        InClusterCase{"Ipv4", "10.96.0.1", "443", kAllFiles,
                      "https://10.96.0.1:443", "team-a"},
        InClusterCase{"Ipv6GetsBrackets", "fd00:10:96::1", "6443", kAllFiles,
                      "https://[fd00:10:96::1]:6443", "team-a"},
        InClusterCase{"NoNamespaceFile",
                      "10.96.0.1",
                      "443",
                      {"token", "ca.crt"},
                      "https://10.96.0.1:443",
                      ""},
        InClusterCase{"NotInCluster", nullptr, nullptr, kAllFiles, "", "",
                      ErrorCode::kNotFound, "not running in a cluster"},
        InClusterCase{"PortOnly", nullptr, "443", kAllFiles, "", "",
                      ErrorCode::kNotFound, "not running in a cluster"},
        InClusterCase{"BadPort", "10.96.0.1", "https", kAllFiles, "", "",
                      ErrorCode::kInvalidArgument, "KUBERNETES_SERVICE_PORT"},
        InClusterCase{"NoToken",
                      "10.96.0.1",
                      "443",
                      {"ca.crt", "namespace"},
                      "",
                      "",
                      ErrorCode::kNotFound,
                      "service account token: could not read @/token"},
        InClusterCase{"NoCa",
                      "10.96.0.1",
                      "443",
                      {"token", "namespace"},
                      "",
                      "",
                      ErrorCode::kNotFound,
                      "cluster CA: could not read @/ca.crt"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealsync::kube
