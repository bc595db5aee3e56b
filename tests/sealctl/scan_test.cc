// sealctl scan, as a user of the leak gate sees it: exit codes, what is found
// and what never is (sealed values, recipients, look-alikes), that no output
// format carries a secret value (canaries), the allow-list, --fix, the git
// inputs (--staged, --since) and bounded work on hostile files.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/interop/process.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

using Args = std::vector<std::string>;

// Fake, format-valid secrets; each carries a distinctive tail so a leak of
// any part of it into an output is caught.
const std::string kGithub = "ghp_CanaryGH0123456789abcdefghijklmnopqr";
const std::string kAws = "AKIAQCANARY7Z2345XYW";
const std::string kStripe = "sk_live_CanaryStripe0123456789xy";
const std::string kSlack =
    "xoxb-1234567890-9876543210123-CanarySlackTokenValueXyz";
const std::string kGitlab = "glpat-CanaryGitlab12345678";
const std::string kDbPassword = "CanaryDbPw9xQ2";
const std::string kGeneric = "CanaryGen7Kq2Zx9Lm4Vb8Nw3";
const std::string kInfisical =
    "c4a9e1f0b2d3c4a9e1f0b2d3c4a9e1f0b2d3c4a9e1f0b2d3c4a9e1f0b2d3ca11";
const std::string kStringData = "CanaryPlainSecretValue";

class ScanTest : public ::testing::Test {
 protected:
  CommandResult Scan(Args args) {
    args.insert(args.begin(), "scan");
    return RunInProcess(args, "");
  }
  // Every secret of this file, one per rule.
  void WriteLeaks() {
    WriteFile(dir_ / "app.env",
              "GITHUB_TOKEN=" + kGithub + "\nAWS_ACCESS_KEY_ID=" + kAws +
                  "\nSTRIPE=" + kStripe + "\nSLACK=" + kSlack + "\nGITLAB=" +
                  kGitlab + "\nDATABASE_URL=postgres://app:" + kDbPassword +
                  "@db:5432/app\nAPI_SECRET=" + kGeneric +
                  "\nINFISICAL_CLIENT_SECRET=" + kInfisical + "\n");
    WriteFile(dir_ / "secret.yaml",
              "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  "
              "namespace: team-a\nstringData:\n  value: " +
                  kStringData + "\n");
  }
  TempDir tmp_{"sealsync-scan-test"};
  const fs::path dir_ = tmp_.path();
};

void ExpectNoCanary(const CommandResult& r) {
  for (const std::string& secret :
       {kGithub, kAws, kStripe, kSlack, kGitlab, kDbPassword, kGeneric,
        kInfisical, kStringData}) {
    std::string tail = secret.substr(secret.size() - 8);
    EXPECT_EQ(r.out.find(tail), std::string::npos) << tail << " in " << r.out;
    EXPECT_EQ(r.err.find(tail), std::string::npos) << tail << " in " << r.err;
  }
  EXPECT_EQ(r.out.find("Canary"), std::string::npos) << r.out;
}

TEST_F(ScanTest, FindsEachRuleAndNoFormatCarriesAValue) {
  WriteLeaks();
  CommandResult text = Scan({dir_.string()});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  for (const char* rule :
       {"github-token", "aws-access-key", "stripe-key", "slack-token",
        "gitlab-token", "connection-string", "generic-high-entropy",
        "infisical-client-secret", "plaintext-secret"})
    EXPECT_NE(text.out.find(std::string(": ") + rule + ": "), std::string::npos)
        << rule << " not found in:\n"
        << text.out;
  EXPECT_NE(text.out.find("app.env:1: github-token: GITHUB_TOKEN=[REDACTED]"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("secret.yaml:2: plaintext-secret: kind: Secret "
                          "team-a/db (data: value)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.err.find("9 findings in 2 files"), std::string::npos)
      << text.err;
  ExpectNoCanary(text);

  CommandResult json = Scan({"--format", "json", dir_.string()});
  EXPECT_EQ(json.exit_code, 1);
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["findings"].size(), 9u);
  EXPECT_EQ(doc["filesScanned"], 2);
  ExpectNoCanary(json);

  CommandResult sarif = Scan({"--format", "sarif", dir_.string()});
  EXPECT_EQ(sarif.exit_code, 1);
  auto s = nlohmann::json::parse(sarif.out);
  EXPECT_EQ(s["version"], "2.1.0");
  EXPECT_EQ(s["runs"][0]["results"].size(), 9u);
  EXPECT_EQ(s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
             ["region"]["startLine"],
            1);
  ExpectNoCanary(sarif);
}

TEST_F(ScanTest, SealedValuesRecipientsAndLookAlikesAreClean) {
  CommandResult id = RunInProcess({"keygen"}, "");
  ASSERT_EQ(id.exit_code, 0);
  CommandResult recipient = RunInProcess({"recipient"}, id.out);
  ASSERT_EQ(recipient.exit_code, 0);
  std::string r = recipient.out.substr(0, recipient.out.find('\n'));
  std::string secret =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: "
      "team-a}\nstringData:\n  password: " +
      kGeneric + "\n  token: " + kGithub + "\n";
  for (const char* format : {"age", "sodium"}) {
    CommandResult sealed =
        RunInProcess({"seal", "-r", r, "--format", format}, secret);
    ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
    WriteFile(dir_ / (std::string(format) + ".sealed.yaml"), sealed.out);
  }
  WriteFile(dir_ / "bitnami.sealed.yaml",
            ReadFile(std::string(SEALSYNC_TESTDATA) +
                     "/sealctl/fixtures/bitnami-sealed.yaml"));
  WriteFile(dir_ / "recipients.txt", "# cluster\n" + r + "\n");
  WriteFile(dir_ / "sops.yaml", "key: " + r + "\npublicKey: " + r + "\n");
  WriteFile(dir_ / "ids.yaml",
            "token_id: 123e4567-e89b-12d3-a456-426614174000\n"
            "secretName: db-credentials\n"
            "image: app@sha256:"
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
            "password: {{ .Values.password }}\nDB_PASSWORD=${DB_PASSWORD}\n"
            "auto token = FetchToken(ctx);\n");
  CommandResult result = Scan({dir_.string()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "");
}

TEST_F(ScanTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Scan({"--bogus"}).exit_code, 2);
  EXPECT_EQ(Scan({"--format", "xml", dir_.string()}).exit_code, 2);
  EXPECT_EQ(Scan({"--staged", "--since", "HEAD~1", dir_.string()}).exit_code,
            2);
  CommandResult missing = Scan({(dir_ / "nope").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope: no such file or directory"),
            std::string::npos)
      << missing.err;
  WriteFile(dir_ / "allow.yaml", "pathz: [x]\n");
  CommandResult bad =
      Scan({"--config", (dir_ / "allow.yaml").string(), dir_.string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown field pathz"), std::string::npos) << bad.err;
  CommandResult clean = Scan({dir_.string()});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
}

TEST_F(ScanTest, AllowListAndInlineAllow) {
  WriteLeaks();
  WriteFile(dir_ / "inline.sh",
            "export GITHUB_TOKEN=" + kGithub + "  # sealctl:allow\n");
  CommandResult all = Scan({"--format", "json", dir_.string()});
  ASSERT_EQ(all.exit_code, 1);
  auto doc = nlohmann::json::parse(all.out);
  ASSERT_EQ(doc["findings"].size(), 9u) << "the inline allow was reported";
  std::string stripe_fp;
  for (const auto& f : doc["findings"])
    if (f["rule"] == "stripe-key") stripe_fp = f["fingerprint"];
  ASSERT_FALSE(stripe_fp.empty());
  fs::path config = dir_ / "allow.yaml";
  WriteFile(config, "paths: [\"" + (dir_ / "secret.yaml").string() +
                        "\"]\nrules: [generic-high-entropy, "
                        "connection-string]\nfingerprints: [" +
                        stripe_fp + "]\n");
  CommandResult some =
      Scan({"--format", "json", "--config", config.string(), dir_.string()});
  auto left = nlohmann::json::parse(some.out)["findings"];
  std::set<std::string> rules;
  for (const auto& f : left) rules.insert(f["rule"]);
  EXPECT_EQ(rules, (std::set<std::string>{"github-token", "aws-access-key",
                                          "slack-token", "gitlab-token",
                                          "infisical-client-secret"}));
}

TEST_F(ScanTest, FixSealsPlaintextSecretsAndLeavesNoPlaintext) {
  CommandResult id = RunInProcess({"keygen"}, "");
  ASSERT_EQ(id.exit_code, 0);
  WriteFile(dir_ / "id.txt", id.out);
  CommandResult recipient = RunInProcess({"recipient"}, id.out);
  std::string r = recipient.out.substr(0, recipient.out.find('\n'));
  WriteLeaks();
  fs::remove(dir_ / "app.env");
  WriteFile(dir_ / "mixed.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
            "apiVersion: v1\nkind: Secret\nmetadata: {name: x, namespace: "
            "a}\nstringData: {k: " +
                kStringData + "}\n");
  CommandResult fix = Scan({"--fix", "-r", r, dir_.string()});
  EXPECT_EQ(fix.exit_code, 1) << "mixed.yaml cannot be fixed: " << fix.err;
  EXPECT_FALSE(fs::exists(dir_ / "secret.yaml"));
  ASSERT_TRUE(fs::exists(dir_ / "secret.sealed.yaml"));
  EXPECT_TRUE(fs::exists(dir_ / "mixed.yaml")) << "left as it was";
  EXPECT_NE(fix.out.find("mixed.yaml"), std::string::npos) << fix.out;
  ExpectNoCanary(fix);
  std::string sealed = ReadFile(dir_ / "secret.sealed.yaml");
  EXPECT_NE(sealed.find("kind: SealedSecret"), std::string::npos);
  EXPECT_EQ(sealed.find(kStringData), std::string::npos);
  CommandResult opened =
      RunInProcess({"unseal", "-i", (dir_ / "id.txt").string(), "-f",
                    (dir_ / "secret.sealed.yaml").string()},
                   "");
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("namespace: team-a"), std::string::npos);
  fs::remove(dir_ / "mixed.yaml");
  fs::remove(dir_ / "id.txt");
  EXPECT_EQ(Scan({dir_.string()}).exit_code, 0);
}

TEST_F(ScanTest, BinaryFilesSkippedHugeLinesScannedInWindows) {
  std::string binary("\x89PNG\r\n\x1a\n", 8);
  binary.push_back('\0');
  binary += "GITHUB_TOKEN=" + kGithub;
  WriteFile(dir_ / "image.png", binary);
  // 20 MiB on one line, the token at its end: found, in bounded memory.
  std::string huge(20 << 20, 'a');
  for (size_t i = 0; i < huge.size(); i += 7) huge[i] = ' ';
  WriteFile(dir_ / "minified.js", huge + " " + kGithub + "\n");
  CommandResult r = Scan({"--format", "json", dir_.string()});
  EXPECT_EQ(r.exit_code, 1);
  auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["findings"].size(), 1u) << r.out;
  EXPECT_EQ(doc["findings"][0]["file"], (dir_ / "minified.js").string());
  EXPECT_EQ(doc["filesSkipped"], 1);
  ExpectNoCanary(r);
}

class GitScanTest : public ScanTest {
 protected:
  void SetUp() override {
    ScanTest::SetUp();
    if (FindInPath("git").empty()) GTEST_SKIP() << "git not installed";
    Git({"init", "-q", "-b", "main"});
    Git({"config", "user.email", "t@example.com"});
    Git({"config", "user.name", "t"});
  }
  void Git(const Args& args) {
    Args argv = {"git", "-C", dir_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunProcess(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST_F(GitScanTest, StagedScansTheIndexNotTheWorkingTree) {
  WriteFile(dir_ / "README.md", "hello\n");
  Git({"add", "README.md"});
  Git({"commit", "-q", "-m", "first"});
  WriteFile(dir_ / "ci.env", "GITHUB_TOKEN=" + kGithub + "\n");
  EXPECT_EQ(Scan({"--staged", dir_.string()}).exit_code, 0) << "not staged yet";
  Git({"add", "ci.env"});
  CommandResult staged = Scan({"--staged", dir_.string()});
  EXPECT_EQ(staged.exit_code, 1);
  EXPECT_NE(staged.out.find("ci.env:1: github-token"), std::string::npos)
      << staged.out;
  ExpectNoCanary(staged);
  // The working tree is fixed but the index still holds the token.
  WriteFile(dir_ / "ci.env", "GITHUB_TOKEN=${GITHUB_TOKEN}\n");
  EXPECT_EQ(Scan({"--staged", dir_.string()}).exit_code, 1);
  EXPECT_EQ(Scan({"--staged", "/"}).exit_code, 2) << "not a repository";
}

TEST_F(GitScanTest, SinceFindsSecretsAddedThenRemoved) {
  WriteFile(dir_ / "README.md", "hello\n");
  Git({"add", "."});
  Git({"commit", "-q", "-m", "base"});
  WriteFile(dir_ / "ci.env", "STRIPE=" + kStripe + "\n");
  Git({"add", "."});
  Git({"commit", "-q", "-m", "leak"});
  WriteFile(dir_ / "ci.env", "STRIPE=${STRIPE}\n");
  Git({"commit", "-q", "-am", "remove"});
  CommandResult since =
      Scan({"--since", "HEAD~2", "--format", "json", dir_.string()});
  EXPECT_EQ(since.exit_code, 1) << since.err;
  auto f = nlohmann::json::parse(since.out)["findings"];
  ASSERT_EQ(f.size(), 1u) << since.out;
  EXPECT_EQ(f[0]["rule"], "stripe-key");
  EXPECT_EQ(f[0]["commit"].get<std::string>().size(), 40u);
  EXPECT_EQ(Scan({"--since", "HEAD~1", dir_.string()}).exit_code, 0);
  EXPECT_EQ(Scan({"--since", "nosuchrev", dir_.string()}).exit_code, 2);
}

}  // namespace
}  // namespace sealsync::testing
