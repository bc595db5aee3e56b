// The audit trail of the operator binary on the real control plane: a line
// per key creation, decrypt, API verify and rewrap, with the object, key
// ids, outcome, caller (address and what the proxy headers say) and time;
// counted in sealsync_audit_events_total; and the canary value in none.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/operator/operator_env.h"

namespace sealsync::testing {
namespace {

using kube::Json;

std::vector<Json> AuditLines(const std::string& path) {
  std::vector<Json> lines;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) lines.push_back(Json::parse(line));
  return lines;
}

// The first line with this action and outcome (and object, if given).
std::optional<Json> Find(const std::vector<Json>& lines,
                         const std::string& action, const std::string& outcome,
                         const std::string& object = "") {
  for (const Json& l : lines)
    if (l["action"] == action && l["outcome"] == outcome &&
        (object.empty() || l.value("object", "") == object))
      return l;
  return std::nullopt;
}

TEST(AuditIntegration, OneLinePerOperationNamingWhoAndWhatNeverTheValue) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  std::string audit = cp->dir() + "/audit-" + env.ns() + ".log";
  auto op = env.Start({"--audit-log", audit});
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  Json ss = env.SealedSecret("db", {{"password", std::string(kCanary)}}, *r);
  ASSERT_TRUE(env.Apply(ss).has_value());
  ASSERT_TRUE(Eventually([&] {
    return env.SecretValue("db", "password") == std::string(kCanary);
  }));
  long code = 0;
  op->Post("/v1/verify", ss.dump(), &code,
           "-H 'X-Forwarded-For: 203.0.113.9' -H 'X-Forwarded-Uri: "
           "/api/v1/namespaces/sealsync/services/http:sealsync:http/proxy/"
           "v1/verify'");
  EXPECT_EQ(code, 200);
  Json moved = ss;
  moved["metadata"]["namespace"] = "elsewhere";
  op->Post("/v1/verify", moved.dump(), &code);
  op->Post("/v1/rewrap", ss.dump(), &code);
  EXPECT_EQ(code, 200);

  std::vector<Json> lines;
  ASSERT_TRUE(Eventually([&] {
    lines = AuditLines(audit);
    return Find(lines, "rewrap", "success").has_value();
  })) << "audit log:\n"
      << ReadFile(audit);
  std::string object = "SealedSecret " + env.ns() + "/db";

  auto created = Find(lines, "key-create", "success");
  ASSERT_TRUE(created);
  EXPECT_EQ((*created)["keyIds"][0], r->KeyId());
  EXPECT_EQ((*created)["object"],
            "Secret " + env.op_ns() + "/sealsync-key-" + r->KeyId());
  EXPECT_EQ((*created)["caller"]["kind"], "controller");

  auto decrypt = Find(lines, "decrypt", "success", object);
  ASSERT_TRUE(decrypt) << ReadFile(audit);
  EXPECT_EQ((*decrypt)["keyIds"][0], r->KeyId());
  EXPECT_TRUE((*decrypt)["ts"].get<std::string>().ends_with("Z"));

  auto verify = Find(lines, "verify", "success", object);
  ASSERT_TRUE(verify);
  EXPECT_EQ((*verify)["caller"]["kind"], "api");
  EXPECT_EQ((*verify)["caller"]["address"], "127.0.0.1");
  EXPECT_EQ((*verify)["caller"]["forwardedFor"], "203.0.113.9");
  EXPECT_NE((*verify)["caller"]["forwardedUri"].get<std::string>().find(
                "/proxy/v1/verify"),
            std::string::npos);

  auto refused = Find(lines, "verify", "failure", "SealedSecret elsewhere/db");
  ASSERT_TRUE(refused) << ReadFile(audit);
  EXPECT_EQ((*refused)["reason"], "ScopeMismatch");

  auto rewrap = Find(lines, "rewrap", "success", object);
  ASSERT_TRUE(rewrap);
  EXPECT_EQ((*rewrap)["keyIds"][0], r->KeyId());

  std::string metrics = op->Get("/metrics");
  for (const char* series :
       {"sealsync_audit_events_total{action=\"decrypt\",outcome=\"success\"}",
        "sealsync_audit_events_total{action=\"verify\",outcome=\"failure\"} 1",
        "sealsync_audit_events_total{action=\"key-create\",outcome=\"success\"}"
        " "
        "1"})
    EXPECT_NE(metrics.find(series), std::string::npos) << series << "\n"
                                                       << metrics;
  EXPECT_EQ(ReadFile(audit).find(kCanary), std::string::npos)
      << "canary in the audit log";
  EXPECT_EQ(op->Log().find(kCanary), std::string::npos);
}

TEST(AuditIntegration, AnUnwritableAuditLogStopsTheStart) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start({"--audit-log", "/nonexistent-dir/audit.log"});
  EXPECT_FALSE(op) << "an operator that cannot audit must not run";
}

}  // namespace
}  // namespace sealsync::testing
