// Exec credential plugins: running them as kubectl does, and parsing what
// they print. Secrets they return never appear in errors.
#include "lib/kube/exec_credential.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sealsync/kube.h"
#include "tests/lib/kube/config_test_util.h"

namespace sealsync::kube {
namespace {

using namespace ::sealsync::kube::kubetest;
using std::chrono::system_clock;

// ---------------------------------------------------------------------------
// Exec credential plugins.

constexpr const char* kV1 = "client.authentication.k8s.io/v1";

// A plugin script in `dir` that runs `body` under /bin/sh.
std::string Plugin(const TempDir& dir, std::string_view body) {
  std::string path = dir / "plugin.sh";
  WriteFile(path, "#!/bin/sh\n" + std::string(body) + "\n",
            fs::perms::owner_all);
  return path;
}

TEST(RunExecPlugin, TokenWithArgsEnvAndExecInfo) {
  TempDir dir;
  ScopedEnv inherited("SEALSYNC_TEST_INHERITED", "from-parent");
  std::string cmd = Plugin(dir, R"(printf '%s' "$KUBERNETES_EXEC_INFO" > "$1"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
printf '"status":{"token":"%s-%s-%s","expirationTimestamp":"2030-01-02T03:04:05Z"}}' \
  "$PLUGIN_TOKEN" "$SEALSYNC_TEST_INHERITED" "$2")");
  auto cred = RunExecPlugin(
      {cmd, {dir / "info.json", "arg2"}, {{"PLUGIN_TOKEN", "tok"}}, kV1});
  ASSERT_TRUE(cred.has_value()) << cred.error().message();
  EXPECT_EQ(cred->token, "tok-from-parent-arg2");
  using namespace std::chrono;
  EXPECT_EQ(cred->expiration, sys_days(2030y / 1 / 2) + 3h + 4min + 5s);
  EXPECT_EQ(
      nlohmann::json::parse(ReadFile(dir / "info.json")),
      nlohmann::json::parse(R"({"apiVersion":"client.authentication.k8s.io/v1",
              "kind":"ExecCredential","spec":{"interactive":false}})"));
}

TEST(RunExecPlugin, ClientCertificate) {
  TempDir dir;
  nlohmann::json out = {
      {"apiVersion", kV1},
      {"kind", "ExecCredential"},
      {"status",
       {{"clientCertificateData", kCertPem}, {"clientKeyData", kKeyPem}}}};
  WriteFile(dir / "out.json", out.dump());
  auto cred =
      RunExecPlugin({Plugin(dir, "cat " + dir / "out.json"), {}, {}, kV1});
  ASSERT_TRUE(cred.has_value()) << cred.error().message();
  EXPECT_EQ(cred->client_certificate_pem, kCertPem);
  EXPECT_EQ(cred->client_key_pem, kKeyPem);
  EXPECT_EQ(cred->token, "");
  EXPECT_FALSE(cred->expiration.has_value());
}

TEST(RunExecPlugin, FromKubeconfigRelativeCommand) {
  TempDir dir;
  WriteFile(
      dir / "bin/plugin",
      "#!/bin/sh\necho "
      "'{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
      "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"kc-token\"}}'\n",
      fs::perms::owner_all);
  WriteFile(
      dir / "config",
      "current-context: dev\nclusters: [{name: c, cluster: {server: "
      "https://k}}]\n"
      "users: [{name: u, user: {exec: {command: ./bin/plugin, apiVersion: "
      "client.authentication.k8s.io/v1beta1}}}]\n"
      "contexts: [{name: dev, context: {cluster: c, user: u}}]\n");
  auto cfg = LoadKubeconfig({.path = dir / "config"});
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
  ASSERT_TRUE(cfg->exec.has_value());
  auto cred = RunExecPlugin(*cfg->exec);
  ASSERT_TRUE(cred.has_value()) << cred.error().message();
  EXPECT_EQ(cred->token, "kc-token");
}

// Failures: the code and message a user sees; never the token.
struct PluginFailure {
  std::string name;
  std::string body;  // script; empty: `command` is run as is
  std::string command;
  ErrorCode code;
  std::string message;      // '@' is the temp dir
  std::string absent = "";  // must not appear in the message
  bool plain_file = false;  // create `command` without the exec bit
};

class PluginFailureTest : public ::testing::TestWithParam<PluginFailure> {};

TEST_P(PluginFailureTest, Fails) {
  const PluginFailure& tc = GetParam();
  TempDir dir;
  std::string cmd = tc.body.empty() ? At(tc.command, dir.path())
                                    : Plugin(dir, At(tc.body, dir.path()));
  if (tc.plain_file) WriteFile(cmd, "#!/bin/sh\n");
  auto got = RunExecPlugin(
      {cmd, {}, {{"PLUGIN_SECRET", std::string(kCanary) + "-env"}}, kV1},
      std::chrono::milliseconds(300));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code(), tc.code) << got.error().message();
  EXPECT_NE(got.error().message().find(At(tc.message, dir.path())),
            std::string::npos)
      << got.error().message();
  EXPECT_EQ(got.error().message().find(kCanary), std::string::npos)
      << got.error().message();
  if (!tc.absent.empty()) {
    EXPECT_EQ(got.error().message().find(tc.absent), std::string::npos);
  }
}

const std::string kCanaryCredential =
    R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":")" +
    std::string(kCanary) + R"("}})";

INSTANTIATE_TEST_SUITE_P(
    RunExecPlugin, PluginFailureTest,
    ::testing::Values(
        PluginFailure{
            "NonZeroExit",
            "echo 'login failed: SSO session expired' >&2\n"
            "echo 'second line' >&2\nexit 3",
            "", ErrorCode::kUnauthenticated,
            "exec plugin \"@/plugin.sh\" failed: exit status 3: login "
            "failed: SSO session expired",
            "second line"},
        PluginFailure{"NonZeroExitEchoingSecrets",
                      "echo '" + kCanaryCredential +
                          "'\n"
                          "echo \"bad token " +
                          std::string(kCanary) +
                          " and $PLUGIN_SECRET\" >&2\nexit 1",
                      "", ErrorCode::kUnauthenticated,
                      "exit status 1: bad token [redacted] and [redacted]"},
        PluginFailure{"KilledBySignal", "kill -9 $$", "",
                      ErrorCode::kUnauthenticated,
                      "failed: killed by signal 9"},
        PluginFailure{
            "CommandNotInPath", "", "sealsync-no-such-plugin",
            ErrorCode::kNotFound,
            "exec plugin \"sealsync-no-such-plugin\" not found in PATH"},
        PluginFailure{"CommandPathMissing", "", "@/bin/nope",
                      ErrorCode::kNotFound,
                      "exec plugin \"@/bin/nope\" not found"},
        PluginFailure{"NotExecutable", "", "@/plain",
                      ErrorCode::kPermissionDenied,
                      "exec plugin \"@/plain\" is not executable", "", true},
        PluginFailure{"NotJson", "echo 'token=" + std::string(kCanary) + "'",
                      "", ErrorCode::kInvalidArgument,
                      "exec plugin \"@/plugin.sh\": malformed ExecCredential: "
                      "output is not valid JSON"},
        PluginFailure{
            "WrongApiVersion",
            R"(echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}')",
            "", ErrorCode::kInvalidArgument,
            "plugin returned apiVersion client.authentication.k8s.io/"
            "v1beta1, configured client.authentication.k8s.io/v1"},
        PluginFailure{
            "Hangs", "exec sleep 30", "", ErrorCode::kDeadlineExceeded,
            "exec plugin \"@/plugin.sh\": no credential after 300 ms"}),
    [](const auto& info) { return info.param.name; });

// ExecCredential output shapes, without running anything.
struct ParseCase {
  std::string name;
  nlohmann::json status;  // null: no status at all
  std::optional<system_clock::time_point> expiration;
  std::string error;  // empty: success
};

class ParseExecCredentialTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseExecCredentialTest, Parses) {
  const ParseCase& tc = GetParam();
  nlohmann::json doc = {{"apiVersion", kV1}, {"kind", "ExecCredential"}};
  if (!tc.status.is_null()) doc["status"] = tc.status;
  auto got = ParseExecCredential(doc.dump(), kV1);
  if (!tc.error.empty()) {
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(got.error().message(), "malformed ExecCredential: " + tc.error);
    return;
  }
  ASSERT_TRUE(got.has_value()) << got.error().message();
  EXPECT_EQ(got->expiration, tc.expiration);
}

using namespace std::chrono;
const system_clock::time_point k2030 = sys_days(2030y / 1 / 2) + 3h + 4min + 5s;

nlohmann::json TokenExpiring(const nlohmann::json& when) {
  return {{"token", "t"}, {"expirationTimestamp", when}};
}

INSTANTIATE_TEST_SUITE_P(
    ExecCredential, ParseExecCredentialTest,
    ::testing::Values(
        ParseCase{"NoExpiration", {{"token", "t"}}, std::nullopt, ""},
        ParseCase{"Utc", TokenExpiring("2030-01-02T03:04:05Z"), k2030, ""},
        ParseCase{"LowerCaseAndFraction",
                  TokenExpiring("2030-01-02t03:04:05.250z"), k2030 + 250ms, ""},
        ParseCase{"PositiveOffset", TokenExpiring("2030-01-02T04:34:05+01:30"),
                  k2030, ""},
        ParseCase{"NegativeOffset", TokenExpiring("2030-01-01T22:04:05-05:00"),
                  k2030, ""},
        ParseCase{"BadMonth", TokenExpiring("2030-13-02T03:04:05Z"),
                  std::nullopt, "status.expirationTimestamp is not RFC 3339"},
        ParseCase{"BadDay", TokenExpiring("2030-02-30T03:04:05Z"), std::nullopt,
                  "status.expirationTimestamp is not RFC 3339"},
        ParseCase{"NoZone", TokenExpiring("2030-01-02T03:04:05"), std::nullopt,
                  "status.expirationTimestamp is not RFC 3339"},
        ParseCase{"Number", TokenExpiring(1893553445), std::nullopt,
                  "status.expirationTimestamp is not RFC 3339"},
        ParseCase{"NoStatus", nullptr, std::nullopt, "status is missing"},
        ParseCase{"Empty", nlohmann::json::object(), std::nullopt,
                  "status has neither a token nor a client certificate"},
        ParseCase{
            "CertWithoutKey",
            {{"clientCertificateData", kCertPem}},
            std::nullopt,
            "status has only one of clientCertificateData and clientKeyData"},
        ParseCase{"CertNotPem",
                  {{"clientCertificateData", "x"}, {"clientKeyData", "y"}},
                  std::nullopt,
                  "status.clientCertificateData or clientKeyData is not PEM"},
        ParseCase{"TokenNotString",
                  {{"token", 5}},
                  std::nullopt,
                  "status.token is not a string"}),
    [](const auto& info) { return info.param.name; });

TEST(ParseExecCredential, WrongKind) {
  auto got = ParseExecCredential(
      R"({"apiVersion":"v1","kind":"Secret","status":{}})", "");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().message(),
            "malformed ExecCredential: kind is not ExecCredential");
}

}  // namespace
}  // namespace sealsync::kube
