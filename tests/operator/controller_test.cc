#include "operator/controller.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "operator/metrics.h"
#include "sealsync/names.h"
#include "tests/support/eventually.h"

namespace sealsync::op {
namespace {

using sealsync::testing::Eventually;

using namespace std::chrono_literals;

// Answers each key with the result the test set for it.
class ScriptedReconciler final : public Reconciler {
 public:
  std::map<std::string, Result<Action>> answers;
  Result<Action> Reconcile(std::stop_token, const Request& r) override {
    return answers.at(r.Key());
  }
};

struct Warning {
  std::string key, reason, message;
};

TEST(ControllerTest, EveryFailureIsRecordedUnderOneReason) {
  ScriptedReconciler r;
  r.answers.emplace(
      "ns/terminal",
      std::unexpected(Error(ErrorCode::kFailedPrecondition, "not ours")
                          .WithReason(names::kReasonTargetNotOwned)));
  // A transient failure (a full ResourceQuota): retried, and recorded too.
  r.answers.emplace(
      "ns/transient",
      std::unexpected(Error(ErrorCode::kUnavailable, "quota exceeded")
                          .WithReason(names::kReasonWriteFailed)));
  r.answers.emplace(
      "ns/degraded",
      Action::Degraded(
          Error(ErrorCode::kNotFound, "no key").WithReason("SecretSyncedError"),
          1h));
  r.answers.emplace("ns/unreasoned",
                    std::unexpected(Error(ErrorCode::kInvalidArgument, "bad")));
  r.answers.emplace("ns/fine", Action::AwaitChange());

  std::mutex mu;
  std::vector<Warning> warnings;
  ControllerHooks hooks;
  hooks.warn = [&](const Request& r, const std::string& reason,
                   const Error& e) {
    std::lock_guard<std::mutex> lock(mu);
    warnings.push_back({r.Key(), reason, e.message()});
  };
  hooks.default_reason = "Fallback";
  kube::WorkQueue queue;
  Registry metrics;
  Controller c("test", queue, r, metrics, hooks, 1);
  c.Start();
  for (const auto& [k, _] : r.answers) queue.Add(k);
  auto reasons_of = [&](const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const auto& w : warnings)
      if (w.key == key) out.push_back(w.reason);
    return out;
  };
  ASSERT_TRUE(Eventually([&] {
    return !reasons_of("ns/terminal").empty() &&
           !reasons_of("ns/transient").empty() &&
           !reasons_of("ns/degraded").empty() &&
           !reasons_of("ns/unreasoned").empty() && c.Count("success") >= 1;
  }));
  c.Stop();
  EXPECT_EQ(reasons_of("ns/terminal").front(), "TargetNotOwned");
  EXPECT_EQ(reasons_of("ns/transient").front(), "WriteFailed");
  EXPECT_EQ(reasons_of("ns/degraded").front(), "SecretSyncedError");
  EXPECT_EQ(reasons_of("ns/unreasoned").front(), "Fallback");
  EXPECT_TRUE(reasons_of("ns/fine").empty());
  EXPECT_EQ(c.Count("terminal"), 2u);  // terminal + unreasoned
  EXPECT_GE(c.Count("error"), 1u);
  EXPECT_EQ(c.Count("degraded"), 1u);
  std::string text = metrics.Render();
  EXPECT_NE(text.find("sealsync_reconcile_failures_total{controller=\"test\","
                      "reason=\"TargetNotOwned\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace sealsync::op
