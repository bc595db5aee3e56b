// Operator flags: bad values exit 1 naming the flag, good ones reach
// OperatorOptions. No process exit, no cluster.
#include "operator/options.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sealsync::op {
namespace {

// A kubeconfig file for the test's lifetime.
struct Kubeconfig {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("sealsync-options-test-" + std::to_string(getpid())))
                         .string();
  Kubeconfig() {
    std::ofstream(path) << R"(apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
)";
  }
  ~Kubeconfig() { std::filesystem::remove(path); }
};

struct Bad {
  std::vector<std::string> args;
  std::string says;
};

TEST(OptionsTest, BadValuesExitOneNamingTheFlag) {
  Kubeconfig kc;
  const std::vector<Bad> cases = {
      {{"--key-renewal", "soon"}, "--key-renewal: not a duration"},
      {{"--health-addr", "8081"}, "--health-addr: want host:port"},
      {{"--api-addr", "x:y"}, "--api-addr: want host:port"},
      {{"--lease-duration", "long"}, "lease timings: not durations"},
      {{"--serve-api", "sometimes"}, "--serve-api"},
      {{"--workers", "0"}, "--workers"},
      {{"--break-glass-recipient", "age1nope"}, "--break-glass-recipient"},
      {{"--no-such-flag"}, "--no-such-flag"},
  };
  for (const Bad& c : cases) {
    std::vector<std::string> args = {"--kubeconfig", kc.path};
    args.insert(args.end(), c.args.begin(), c.args.end());
    std::ostringstream out, err;
    ParsedFlags p = ParseFlags(args, out, err);
    EXPECT_TRUE(p.exit_now) << c.args[0];
    EXPECT_EQ(p.exit_code, 1) << c.args[0];
    EXPECT_NE(err.str().find(c.says), std::string::npos)
        << c.args[0] << ": " << err.str();
  }
}

TEST(OptionsTest, GoodValuesReachTheOptions) {
  Kubeconfig kc;
  std::ostringstream out, err;
  ParsedFlags p = ParseFlags(
      {"--kubeconfig", kc.path, "--namespace", "ops", "--watch-namespaces",
       "a,b", "--health-addr", "127.0.0.1:0", "--api-addr", ":9090",
       "--serve-api", "health-port", "--leader-elect=false", "--key-renewal",
       "0", "--vault-allowed-hosts", "vault.example", "--log-format", "text"},
      out, err);
  ASSERT_FALSE(p.exit_now) << err.str();
  const OperatorOptions& o = p.options;
  EXPECT_EQ(o.ns, "ops");
  EXPECT_EQ(o.watch_namespaces, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.health_address, "127.0.0.1");
  EXPECT_EQ(o.health_port, 0);
  EXPECT_EQ(o.api_port, 9090);
  EXPECT_EQ(o.serve_api, ServeApi::kHealthPort);
  EXPECT_FALSE(o.leader_elect);
  EXPECT_EQ(o.key_renewal.count(), 0);
  EXPECT_EQ(o.vault_hosts.allowed_hosts,
            std::vector<std::string>{"vault.example"});
  EXPECT_EQ(p.log_format, LogFormat::kText);
  EXPECT_EQ(o.rest.server, "https://127.0.0.1:6443");
}

}  // namespace
}  // namespace sealsync::op
