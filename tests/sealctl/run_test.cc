// In-process tests of sealctl::Run(): what a user of each command sees, with
// inputs built by the library so that every failure class is reached exactly.
#include "sealctl/run.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/base/base64.h"
#include "sealsync/age.h"
#include "sealsync/api.h"
#include "sealsync/sealing.h"
#include "tests/fake_random.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

using Args = std::vector<std::string>;

CommandResult Sealctl(const Args& args, const std::string& in = "") {
  return RunInProcess(args, in);
}

// Asserts the contract of every failing command: exit 1, nothing on stdout,
// exactly one "sealctl: error: " line containing `phrase`, no canary.
void ExpectFailure(const CommandResult& r, std::string_view phrase) {
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err.starts_with("sealctl: error: ")) << r.err;
  size_t errors = 0;
  for (size_t p = r.err.find("sealctl: error: "); p != std::string::npos;
       p = r.err.find("sealctl: error: ", p + 1)) {
    ++errors;
  }
  EXPECT_EQ(errors, 1u) << r.err;
  std::string first_line = r.err.substr(0, r.err.find('\n'));
  EXPECT_NE(first_line.find(phrase), std::string::npos)
      << "want \"" << phrase << "\" in: " << r.err;
  EXPECT_EQ(r.err.find(kCanary), std::string::npos) << r.err;
}

class SealctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      keys_.push_back(X25519Identity::Generate(random_));
      key_files_.push_back(dir_ / ("key" + std::to_string(i) + ".txt"));
      WriteFile(key_files_.back(),
                FormatIdentityFile(keys_.back(), "2024-01-01T00:00:00Z"));
    }
  }

  std::string Recipient(int i) const { return keys_[i].recipient().ToString(); }
  std::string Path(std::string_view name) const { return dir_ / name; }

  std::string Manifest(std::string_view ns = "team-a",
                       std::string_view name = "db") {
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " +
           std::string(name) + "\n  namespace: " + std::string(ns) +
           "\n  labels: {app: web}\n  annotations: {owner: ops}\n"
           "type: kubernetes.io/basic-auth\n"
           "data:\n  password: " +
           Base64Encode(AsBytes(kCanary)) +
           "\nstringData:\n  username: admin\n";
  }

  // Seals Manifest() with `extra` flags; asserts success.
  api::SealedSecret SealManifest(const Args& extra) {
    Args args{"seal", "-r", Recipient(0)};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = Sealctl(args, Manifest());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto sealed = api::ParseSealedSecret(r.out);
    EXPECT_TRUE(sealed.has_value()) << r.out;
    return sealed.value_or(api::SealedSecret{});
  }

  // Runs `sealctl unseal` on `sealed` with key 0.
  CommandResult Unseal(const api::SealedSecret& sealed) {
    WriteFile(Path("sealed.yaml"),
              api::FormatSealedSecret(sealed, api::OutputFormat::kYaml));
    return Sealctl({"unseal", "-f", Path("sealed.yaml"), "-i", key_files_[0]});
  }

  FakeRandom random_{7};
  TempDir dir_{"sealctl-test"};
  std::vector<X25519Identity> keys_;
  std::vector<std::string> key_files_;
};

// --- keygen / recipient ---------------------------------------------------

TEST_F(SealctlTest, KeygenWritesAPrivateAgeKeygenFile) {
  CommandResult r = Sealctl({"keygen", "-o", Path("new.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  struct stat st {};
  ASSERT_EQ(stat(Path("new.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  std::string text = ReadFile(Path("new.txt"));
  auto ids = ParseIdentityFile(text);
  ASSERT_TRUE(ids.has_value());
  ASSERT_EQ(ids->size(), 1u);
  std::string recipient = (*ids)[0].recipient().ToString();
  // age-keygen's layout: created, public key, secret key.
  std::istringstream lines(text);
  std::string l1, l2, l3, extra;
  std::getline(lines, l1);
  std::getline(lines, l2);
  std::getline(lines, l3);
  EXPECT_TRUE(l1.starts_with("# created: 20")) << l1;
  EXPECT_EQ(l2, "# public key: " + recipient);
  EXPECT_TRUE(l3.starts_with("AGE-SECRET-KEY-1")) << l3;
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(r.err, "Public key: " + recipient + "\n");

  CommandResult rc = Sealctl({"recipient", "-i", Path("new.txt")});
  EXPECT_EQ(rc.exit_code, 0);
  EXPECT_EQ(rc.out, recipient + "\n");
}

TEST_F(SealctlTest, KeygenNeverOverwrites) {
  WriteFile(Path("existing.txt"), "precious\n");
  CommandResult r = Sealctl({"keygen", "-o", Path("existing.txt")});
  ExpectFailure(r, "existing.txt");
  EXPECT_EQ(ReadFile(Path("existing.txt")), "precious\n");
}

TEST_F(SealctlTest, KeygenToStdoutMakesAFreshKeyEachTime) {
  CommandResult a = Sealctl({"keygen"}), b = Sealctl({"keygen"});
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  auto ia = ParseIdentityFile(a.out), ib = ParseIdentityFile(b.out);
  ASSERT_TRUE(ia && ib);
  EXPECT_NE((*ia)[0].recipient().ToString(), (*ib)[0].recipient().ToString());
}

TEST_F(SealctlTest, RecipientReadsFileOrStdin) {
  EXPECT_EQ(Sealctl({"recipient", "-i", key_files_[1]}).out,
            Recipient(1) + "\n");
  EXPECT_EQ(Sealctl({"recipient"}, ReadFile(key_files_[2])).out,
            Recipient(2) + "\n");
  ExpectFailure(Sealctl({"recipient"}, std::string(kCanary) + "\n"),
                "not a valid age X25519 identity");
}

// --- seal / unseal manifests -----------------------------------------------

struct FormatCase {
  bool json_in;
  std::string output;
  std::string format;
};

class SealRoundTrip : public SealctlTest,
                      public ::testing::WithParamInterface<FormatCase> {};

TEST_P(SealRoundTrip, TemplateAndValuesSurvive) {
  const FormatCase& c = GetParam();
  std::string input = Manifest();
  if (c.json_in) {
    auto parsed = api::ParseSecret(input);
    ASSERT_TRUE(parsed.has_value());
    input = api::FormatSecret(*parsed, api::OutputFormat::kJson);
  }
  CommandResult s = Sealctl(
      {"seal", "-r", Recipient(0), "-o", c.output, "--format", c.format},
      input);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out.front(), c.output == "json" ? '{' : 'a');
  EXPECT_EQ(s.out.find(kCanary), std::string::npos);
  EXPECT_EQ(s.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);

  auto sealed = api::ParseSealedSecret(s.out);
  ASSERT_TRUE(sealed.has_value()) << s.out;
  EXPECT_EQ(sealed->metadata.name, "db");
  EXPECT_EQ(sealed->metadata.ns, "team-a");
  EXPECT_EQ(sealed->scope, "Strict");
  EXPECT_EQ(sealed->template_.type, "kubernetes.io/basic-auth");
  EXPECT_EQ(sealed->template_.labels,
            (std::map<std::string, std::string>{{"app", "web"}}));
  EXPECT_EQ(sealed->template_.annotations,
            (std::map<std::string, std::string>{{"owner", "ops"}}));
  ASSERT_EQ(sealed->encrypted_data.size(), 2u);
  for (const auto& [k, v] : sealed->encrypted_data) {
    EXPECT_EQ(v.starts_with("sodium:"), c.format == "sodium") << k;
    auto opened =
        UnsealValue(v, keys_, ScopeBinding{Scope::kStrict, "team-a", "db"});
    ASSERT_TRUE(opened.has_value()) << k << ": " << opened.error().message();
  }

  WriteFile(Path("sealed"), s.out);
  CommandResult u = Sealctl(
      {"unseal", "-f", Path("sealed"), "-i", key_files_[0], "-o", c.output});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  auto secret = api::ParseSecret(u.out);
  ASSERT_TRUE(secret.has_value()) << u.out;
  EXPECT_EQ(secret->type, "kubernetes.io/basic-auth");
  EXPECT_EQ(secret->metadata.labels.at("app"), "web");
  EXPECT_EQ(secret->metadata.annotations.at("owner"), "ops");
  ASSERT_EQ(secret->data.size(), 2u);
  EXPECT_EQ(AsString(secret->data.at("password")), kCanary);
  EXPECT_EQ(AsString(secret->data.at("username")), "admin");
}

INSTANTIATE_TEST_SUITE_P(Formats, SealRoundTrip,
                         ::testing::Values(FormatCase{false, "yaml", "age"},
                                           FormatCase{true, "json", "age"},
                                           FormatCase{true, "yaml", "age"},
                                           FormatCase{false, "json", "sodium"},
                                           FormatCase{false, "yaml", "sodium"}),
                         [](const auto& info) {
                           return std::string(info.param.json_in ? "Json"
                                                                 : "Yaml") +
                                  "To" +
                                  (info.param.output == "json" ? "Json"
                                                               : "Yaml") +
                                  "_" + info.param.format;
                         });

TEST_F(SealctlTest, EveryRecipientAloneCanUnseal) {
  WriteFile(Path("recipients.txt"), "# team\n" + Recipient(2) + "\n\n");
  CommandResult s =
      Sealctl({"seal", "-r", Recipient(0), "--recipient", Recipient(1),
               "--recipients-file", Path("recipients.txt")},
              Manifest());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  WriteFile(Path("sealed.yaml"), s.out);
  for (int i = 0; i < 3; ++i) {
    CommandResult u =
        Sealctl({"unseal", "-f", Path("sealed.yaml"), "-i", key_files_[i]});
    EXPECT_EQ(u.exit_code, 0) << "key " << i << ": " << u.err;
    EXPECT_NE(u.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
  }
  // A key that is not among them.
  X25519Identity other = X25519Identity::Generate(random_);
  WriteFile(Path("other.txt"),
            FormatIdentityFile(other, "2024-01-01T00:00:00Z"));
  ExpectFailure(
      Sealctl({"unseal", "-f", Path("sealed.yaml"), "-i", Path("other.txt")}),
      "spec.encryptedData.");
}

TEST_F(SealctlTest, SodiumTakesOneRecipient) {
  ExpectFailure(Sealctl({"seal", "-r", Recipient(0), "-r", Recipient(1),
                         "--format", "sodium"},
                        Manifest()),
                "one recipient");
}

TEST_F(SealctlTest, BadManifestsAreNamedNeverEchoed) {
  struct Case {
    std::string input;
    std::string phrase;
  } cases[] = {
      {"kind: Secret\nmetadata: {name: x\n  data: [" + std::string(kCanary),
       "YAML"},
      {"{\"kind\": \"Secret\", \"data\": {\"a\": \"" + std::string(kCanary),
       "JSON"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db, namespace: "
       "team-a}\n"
       "data: {password: " +
           std::string(kCanary) + "}\n",
       "ConfigMap"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\n"
       "data: {password: " +
           std::string(kCanary) + "}\n",
       "data.password"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}\n"
       "stringData: {password: [" +
           std::string(kCanary) + "]}\n",
       "stringData.password"},
      {"", "no Secret in the input"},
      {std::string(kCanary) + "\n", "mapping"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input);
    ExpectFailure(Sealctl({"seal", "-r", Recipient(0)}, c.input), c.phrase);
  }
}

// --- scope, as the operator enforces it -------------------------------------

struct ScopeCase {
  std::string sealed_scope;          // --scope at seal time
  std::string ns, name, spec_scope;  // the SealedSecret it is copied into
  bool opens;
};

class ScopeTest : public SealctlTest,
                  public ::testing::WithParamInterface<ScopeCase> {};

TEST_P(ScopeTest, CopiedValuesOpenOnlyWhereBound) {
  for (std::string format : {"age", "sodium"}) {
    SCOPED_TRACE(format);
    const ScopeCase& c = GetParam();
    api::SealedSecret sealed =
        SealManifest({"--scope", c.sealed_scope, "--format", format});
    sealed.metadata.ns = c.ns;
    sealed.metadata.name = c.name;
    sealed.scope = c.spec_scope;
    CommandResult r = Unseal(sealed);
    if (c.opens) {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
    } else {
      ExpectFailure(r, "scope mismatch");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scopes, ScopeTest,
    ::testing::Values(
        ScopeCase{"strict", "team-a", "db", "Strict", true},
        ScopeCase{"strict", "team-b", "db", "Strict", false},
        ScopeCase{"strict", "team-a", "other", "Strict", false},
        ScopeCase{"strict", "team-a", "db", "Namespace", false},
        ScopeCase{"strict", "team-a", "db", "Cluster", false},
        ScopeCase{"namespace", "team-a", "other", "Namespace", true},
        ScopeCase{"namespace", "team-b", "db", "Namespace", false},
        ScopeCase{"namespace", "team-a", "db", "Strict", false},
        ScopeCase{"namespace", "team-a", "db", "Cluster", false},
        ScopeCase{"cluster", "team-b", "other", "Cluster", true},
        ScopeCase{"cluster", "team-a", "db", "Strict", false}));

// --- unseal --raw: one line naming the failure class, nothing on stdout ------

class RawTest : public SealctlTest {
 protected:
  Bytes AgeFile(std::string_view plaintext, int key = 0) {
    const AgeRecipient* rs[] = {&keys_[key].recipient()};
    auto f = AgeEncrypt(AsBytes(plaintext), rs, random_);
    EXPECT_TRUE(f.has_value());
    return f.value_or(Bytes{});
  }
  static std::string Armored(const Bytes& file) {
    std::string b64 = Base64Encode(file),
                out = "-----BEGIN AGE ENCRYPTED FILE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
    return out + "-----END AGE ENCRYPTED FILE-----\n";
  }
  CommandResult UnsealRaw(std::string_view input, Args extra = {}) {
    Args args{"unseal", "--raw", "-i", key_files_[0]};
    args.insert(args.end(), extra.begin(), extra.end());
    return Sealctl(args, std::string(input));
  }
};

TEST_F(RawTest, EveryFailureClass) {
  Bytes good = AgeFile(kCanary);
  std::string file(AsString(good));
  size_t mac = file.find("\n--- ") + 5;
  ASSERT_EQ(UnsealRaw(file).out, kCanary);  // the untampered file opens

  struct Case {
    std::string name, input, phrase;
  };
  std::vector<Case> cases;
  cases.push_back({"other key", std::string(AsString(AgeFile(kCanary, 1))),
                   "no identity matched"});
  std::string t = file;
  t.replace(t.find("-> X25519 "), 10, "-> X25519  ");
  cases.push_back({"empty stanza argument", t, "header malformed"});
  t = file;
  t[mac] = t[mac] == 'A' ? 'B' : 'A';
  cases.push_back({"MAC changed", t, "header MAC failed"});
  t = file;
  t.back() ^= 1;
  cases.push_back({"payload bit flipped", t, "payload corrupt"});
  cases.push_back({"payload truncated", file.substr(0, file.size() - 1),
                   "payload corrupt"});
  cases.push_back({"trailing data", file + "x", "payload corrupt"});
  t = Armored(good);
  t[t.find('\n') + 5] = '!';
  cases.push_back({"armor bad character", t, "armor malformed"});
  t = Armored(good);
  t.insert(t.find('\n') + 1, "\n");
  cases.push_back({"armor blank line", t, "armor malformed"});
  cases.push_back({"base64 of a tampered file",
                   Base64Encode(AsBytes(cases[3].input)) + "\n",
                   "payload corrupt"});

  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectFailure(UnsealRaw(c.input), c.phrase);
  }
  ASSERT_EQ(UnsealRaw(Armored(good)).out,
            kCanary);  // the untampered armor opens
}

TEST_F(RawTest, SealedValuesCheckScopeOnlyWhenAsked) {
  for (std::string format : {"age", "sodium"}) {
    SCOPED_TRACE(format);
    CommandResult s = Sealctl({"seal", "--raw", "-n", "team-a", "--name", "db",
                               "-r", Recipient(0), "--format", format},
                              std::string(kCanary));
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_EQ(s.out.back(), '\n');
    EXPECT_EQ(s.out.find('\n'), s.out.size() - 1) << "one line";
    EXPECT_EQ(UnsealRaw(s.out).out, kCanary);
    EXPECT_EQ(UnsealRaw(s.out, {"-n", "team-a", "--name", "db"}).out, kCanary);
    EXPECT_EQ(
        UnsealRaw(s.out, {"--scope", "Strict", "-n", "team-a", "--name", "db"})
            .out,
        kCanary);
    ExpectFailure(UnsealRaw(s.out, {"-n", "team-b", "--name", "db"}),
                  "scope mismatch");
    ExpectFailure(UnsealRaw(s.out, {"--scope", "namespace", "-n", "team-a"}),
                  "scope mismatch");
    ExpectFailure(UnsealRaw(s.out, {"--scope", "cluster"}), "scope mismatch");
    // Altered ciphertext: the class is "payload corrupt" whatever the format.
    std::string value = s.out.substr(0, s.out.size() - 1);
    size_t b64_at = format == "sodium" ? value.rfind(':') + 1 : 0;
    auto raw = Base64Decode(value.substr(b64_at));
    ASSERT_TRUE(raw.has_value());
    raw->back() ^= 1;
    ExpectFailure(
        UnsealRaw(value.substr(0, b64_at) + Base64Encode(*raw) + "\n"),
        "payload corrupt");
    // Another key: the class is "no identity matched" whatever the format.
    ExpectFailure(Sealctl({"unseal", "--raw", "-i", key_files_[1]}, s.out),
                  "no identity matched");
  }
}

TEST_F(RawTest, BinaryValuesRoundTripExactly) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  all += all;
  WriteFile(Path("value.bin"), all);
  CommandResult s = Sealctl({"seal", "--raw", "--scope", "cluster", "-r",
                             Recipient(0), "--from-file", Path("value.bin")});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  CommandResult u = UnsealRaw(s.out, {"--scope", "cluster"});
  ASSERT_EQ(u.exit_code, 0) << u.err;
  EXPECT_EQ(u.out, all);
  // Empty value.
  s = Sealctl({"seal", "--raw", "--scope", "cluster", "-r", Recipient(0)}, "");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  u = UnsealRaw(s.out);
  EXPECT_EQ(u.exit_code, 0) << u.err;
  EXPECT_EQ(u.out, "");
}

TEST_F(RawTest, PassphraseFiles) {
  ScryptRecipient r("correct horse battery staple", 10);
  const AgeRecipient* rs[] = {&r};
  auto file = AgeEncrypt(AsBytes(kCanary), rs, random_);
  ASSERT_TRUE(file.has_value());
  std::string in(AsString(*file));
  WriteFile(Path("pass"), "correct horse battery staple\r\n");
  WriteFile(Path("wrong"), "wrong horse\n");

  CommandResult ok =
      Sealctl({"unseal", "--raw", "--passphrase-file", Path("pass")}, in);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, kCanary);
  // Tried in order: a wrong one first does not hide the right one.
  ok = Sealctl({"unseal", "--raw", "--passphrase-file", Path("wrong"),
                "--passphrase-file", Path("pass")},
               in);
  EXPECT_EQ(ok.out, kCanary) << ok.err;
  ExpectFailure(
      Sealctl({"unseal", "--raw", "--passphrase-file", Path("wrong")}, in),
      "no identity matched");
  // An X25519 identity alone does not open a passphrase file.
  ExpectFailure(UnsealRaw(in), "no identity matched");

  // A work factor above age's limit (22) is refused before any work is done.
  std::string wf = in;
  wf.replace(wf.find(" 10\n"), 4, " 23\n");
  ExpectFailure(
      Sealctl({"unseal", "--raw", "--passphrase-file", Path("pass")}, wf),
      "work factor");
}

TEST_F(RawTest, UsageErrors) {
  ExpectFailure(Sealctl({"unseal", "--raw"}, "x"), "no identities");
  ExpectFailure(UnsealRaw("", {"-n", "team-a"}), "--name");
  ExpectFailure(UnsealRaw("", {"--scope", "namespace"}), "--namespace");
  ExpectFailure(Sealctl({"unseal", "--raw", "-i", Path("missing.txt")}, "x"),
                "missing.txt");
  ExpectFailure(UnsealRaw(std::string(kCanary)), "not an age file");
}

// --- flags -----------------------------------------------------------------

TEST(SealctlFlags, HelpForEveryCommand) {
  for (std::string cmd : {"", "keygen", "recipient", "seal", "unseal"}) {
    SCOPED_TRACE(cmd);
    Args args;
    if (!cmd.empty()) args.push_back(cmd);
    args.push_back("--help");
    CommandResult r = RunInProcess(args, "");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
    if (!cmd.empty()) EXPECT_NE(r.out.find(cmd), std::string::npos) << r.out;
  }
  EXPECT_NE(RunInProcess({"seal", "--help"}, "").out.find("--recipients-file"),
            std::string::npos);
  EXPECT_NE(
      RunInProcess({"unseal", "--help"}, "").out.find("--passphrase-file"),
      std::string::npos);
}

TEST(SealctlFlags, BadFlagsExitOneWithAHint) {
  const Args cases[] = {
      {},
      {"frobnicate"},
      {"keygen", "--bogus"},
      {"recipient", "--bogus"},
      {"seal", "--bogus"},
      {"unseal", "--bogus"},
      {"seal", "-o", "xml", "-r", "x"},
      {"seal", "--scope", "galaxy"},
      {"seal", "--format", "rsa"},
      {"unseal", "--scope", "galaxy"},
      {"seal", "-r"},
  };
  for (const Args& args : cases) {
    CommandResult r = RunInProcess(args, "");
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(r.err.starts_with("sealctl: error: ")) << r.err;
    EXPECT_NE(r.err.find("sealctl: hint: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sealsync::testing
