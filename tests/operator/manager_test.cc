// The operator's start-up and shutdown (operator/manager.h): a port in use is
// a clean error naming the port, in the library and in the binary, with
// every thread joined (no abort).
#include "operator/manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "operator/http_server.h"
#include "operator/operator.h"
#include "tests/lib/kube/fake_client.h"
#include "tests/support/eventually.h"
#include "tests/support/subprocess.h"

#ifndef SEALSYNC_OPERATOR_BINARY
#error "SEALSYNC_OPERATOR_BINARY must be defined"
#endif

namespace sealsync::op {
namespace {

using namespace std::chrono_literals;
using sealsync::testing::Eventually;

// Holds a loopback port for the test's lifetime.
struct BusyPort {
  HttpServer server{"127.0.0.1", 0};
  uint16_t port = 0;
  BusyPort() {
    auto p = server.Start();
    EXPECT_TRUE(p.has_value());
    port = p.value_or(0);
  }
};

OperatorOptions Options() {
  OperatorOptions o;
  o.ns = "sealsync-system";
  o.leader_elect = false;
  o.identity = "test";
  o.health_address = "127.0.0.1";
  o.health_port = 0;
  o.api_address = "127.0.0.1";
  o.api_port = 0;
  return o;
}

TEST(ManagerTest, HealthPortInUseIsACleanErrorNamingThePort) {
  BusyPort busy;
  kube::testing::FakeClient client;
  OperatorOptions o = Options();
  o.health_port = busy.port;
  std::atomic<bool> stop{false};
  auto r = op::Run(client, o, stop);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(
      r.error().message().find("port 127.0.0.1:" + std::to_string(busy.port) +
                               " unavailable (health server)"),
      std::string::npos)
      << r.error().message();
  // Nothing was started: no call reached the API server.
  EXPECT_TRUE(client.Calls().empty());
}

TEST(ManagerTest, ApiPortInUseStopsTheHealthServerAgain) {
  BusyPort busy, health;
  uint16_t health_port = health.port;
  health.server.Stop();  // free again: the operator takes it
  kube::testing::FakeClient client;
  OperatorOptions o = Options();
  o.health_port = health_port;
  o.api_port = busy.port;
  std::atomic<bool> stop{false};
  auto r = op::Run(client, o, stop);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("(API server)"), std::string::npos)
      << r.error().message();
  // The health server it had bound is closed again: the port is free.
  HttpServer again("127.0.0.1", health_port);
  EXPECT_TRUE(again.Start().has_value());
}

TEST(ManagerTest, StopsAndJoinsEverythingWhenAskedWhileWatching) {
  // The fake has no watch: every watcher backs off and retries until stop.
  kube::testing::FakeClient client;
  OperatorOptions o = Options();
  std::atomic<bool> stop{false};
  // Stops once every cache has listed (six kinds), or after 20 s.
  std::thread stopper([&] {
    Eventually([&] { return client.CountCalls("list") >= 6; }, 20s);
    stop = true;
  });
  auto r = op::Run(client, o, stop);
  stopper.join();
  EXPECT_TRUE(r.has_value()) << r.error().message();
  EXPECT_GE(client.CountCalls("list"), 6);  // every watcher did start
}

TEST(ManagerTest, BinaryExitsWithCodeOneAndNamesTheBusyPort) {
  BusyPort busy;
  std::string dir = std::filesystem::temp_directory_path() /
                    ("sealsync-manager-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // An API server nobody listens on: the port check comes first.
  std::ofstream(dir + "/kubeconfig") << R"(apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
)";
  std::string log = dir + "/operator.log";
  auto p = testing::Subprocess::Start(
      {SEALSYNC_OPERATOR_BINARY, "--kubeconfig", dir + "/kubeconfig",
       "--leader-elect=false", "--health-addr",
       "127.0.0.1:" + std::to_string(busy.port), "--api-addr", "127.0.0.1:0"},
      log);
  ASSERT_TRUE(p.has_value());
  auto code = p->Wait(30s);
  std::string text = testing::ReadFile(log);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(code.has_value()) << "still running; log:\n" << text;
  EXPECT_EQ(*code, 1) << text;  // not 134 (abort)
  EXPECT_NE(
      text.find("port 127.0.0.1:" + std::to_string(busy.port) + " unavailable"),
      std::string::npos)
      << text;
}

}  // namespace
}  // namespace sealsync::op
