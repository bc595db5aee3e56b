// The audit line format, its counter, and its file target.
#include "operator/audit.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/base/time_format.h"
#include "operator/http_server.h"

namespace sealsync::op {
namespace {

TEST(Audit, FormatNamesObjectKeysOutcomeCallerAndTime) {
  AuditEvent e(audit::kVerify, "SealedSecret team-a/db");
  e.key_ids = {"0123456789abcdef"};
  HttpRequestView req;
  req.remote_address = "10.0.0.7";
  req.headers["x-forwarded-for"] = "192.0.2.1";
  req.headers["x-forwarded-uri"] = std::string(1000, 'u');
  e.caller = ApiCaller(req);
  SetFailure(e, Error(ErrorCode::kPermissionDenied, "scope mismatch")
                    .WithReason("ScopeMismatch"));
  auto when = *ParseRfc3339("2026-12-07T16:00:00.5Z");
  std::string line = AuditLog::Format(e, when);
  auto j = nlohmann::ordered_json::parse(line);
  EXPECT_EQ(j["ts"], "2026-12-07T16:00:00.500000Z");
  EXPECT_EQ(j["audit"], "sealsync");
  EXPECT_EQ(j["action"], "verify");
  EXPECT_EQ(j["outcome"], "failure");
  EXPECT_EQ(j["object"], "SealedSecret team-a/db");
  EXPECT_EQ(j["keyIds"][0], "0123456789abcdef");
  EXPECT_EQ(j["reason"], "ScopeMismatch");
  EXPECT_EQ(j["error"], "scope mismatch");
  EXPECT_EQ(j["caller"]["kind"], "api");
  EXPECT_EQ(j["caller"]["address"], "10.0.0.7");
  EXPECT_EQ(j["caller"]["forwardedFor"], "192.0.2.1");
  EXPECT_EQ(j["caller"]["forwardedUri"].get<std::string>().size(), 256u)
      << "headers are capped";
  EXPECT_FALSE(j["caller"].contains("user"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Audit, RecordsCountAndAppendLinesToTheFile) {
  Registry metrics;
  AuditLog log(metrics, SystemClock());
  char tmpl[] = "/tmp/sealsync-audit-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/audit.log";
  ASSERT_TRUE(log.Open(path).has_value());
  AuditEvent ok(audit::kDecrypt, "SealedSecret a/b");
  log.Record(ok);
  AuditEvent bad(audit::kVaultFetch, "ExternalSecret a/c");
  bad.vault_path = "https://vault.example project/prod:/";
  SetFailure(bad, Error(ErrorCode::kUnavailable, "vault unreachable"));
  log.Record(bad);
  std::ifstream f(path);
  std::string l1, l2, l3;
  ASSERT_TRUE(std::getline(f, l1));
  ASSERT_TRUE(std::getline(f, l2));
  EXPECT_FALSE(std::getline(f, l3));
  EXPECT_EQ(nlohmann::json::parse(l1)["action"], "decrypt");
  auto j2 = nlohmann::json::parse(l2);
  EXPECT_EQ(j2["outcome"], "failure");
  EXPECT_EQ(j2["reason"], "UNAVAILABLE");
  EXPECT_EQ(j2["vaultPath"], "https://vault.example project/prod:/");
  std::string rendered = metrics.Render();
  EXPECT_NE(rendered.find("sealsync_audit_events_total{action=\"decrypt\","
                          "outcome=\"success\"} 1"),
            std::string::npos)
      << rendered;
  EXPECT_NE(rendered.find("sealsync_audit_events_total{action=\"vault-fetch\","
                          "outcome=\"failure\"} 1"),
            std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(tmpl);

  AuditLog unwritable(metrics, SystemClock());
  auto open = unwritable.Open("/nonexistent-dir/audit.log");
  ASSERT_FALSE(open.has_value());
  EXPECT_NE(open.error().message().find("cannot open audit log "
                                        "/nonexistent-dir/audit.log"),
            std::string::npos);
}

}  // namespace
}  // namespace sealsync::op
