// Interoperability with Debian's age 1.1.1 CLI, both ways, through the built
// sealctl binary: keys, recipients, file sizes around the 64 KiB chunk,
// armor, several recipients, passphrases and tampering.
//
// If `age` is not installed these tests skip, except under CI=true, where
// they fail: CI must prove interoperability.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "lib/base/base64.h"
#include "lib/format/armor.h"
#include "sealsync/age.h"
#include "tests/fake_random.h"
#include "tests/interop/process.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

std::string RandomBytes(size_t n, uint64_t seed) {
  FakeRandom random(seed);
  std::string s(n, '\0');
  random.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(s.data()), n));
  return s;
}

// Compares big byte strings without printing them.
::testing::AssertionResult SameBytes(const std::string& got,
                                     const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  return ::testing::AssertionFailure()
         << "got " << got.size() << " bytes, want " << want.size()
         << "; first difference at " << i;
}

std::string Describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + ", stderr: " + r.err;
}

class AgeInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    age_ = FindInPath("age");
    age_keygen_ = FindInPath("age-keygen");
    if (age_.empty() || age_keygen_.empty()) {
      const char* ci = getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") {
        FAIL() << "age / age-keygen not found in PATH, and CI=true: install "
                  "Debian's "
                  "`age` package; interop must be proven in CI";
      }
      GTEST_SKIP() << "age / age-keygen not installed (apt-get install age)";
    }
    // Three keys made by age-keygen.
    for (int i = 0; i < 3; ++i) {
      std::string key = Path("age-key" + std::to_string(i) + ".txt");
      CommandResult r = RunProcess({age_keygen_, "-o", key});
      ASSERT_EQ(r.exit_code, 0) << Describe(r);
      CommandResult y = RunProcess({age_keygen_, "-y", key});
      ASSERT_EQ(y.exit_code, 0) << Describe(y);
      keys_.push_back(key);
      recipients_.push_back(y.out.substr(0, y.out.find('\n')));
    }
  }
  std::string Path(std::string_view name) const { return dir_ / name; }

  static CommandResult Sealctl(std::vector<std::string> args,
                               const std::string& in = "") {
    args.insert(args.begin(), SEALCTL_BINARY);
    return RunProcess(args, in);
  }

  // `age -d -i KEY FILE` -> plaintext.
  CommandResult AgeDecrypt(const std::string& key, const std::string& file) {
    return RunProcess({age_, "-d", "-i", key, file});
  }

  std::string age_, age_keygen_;
  TempDir dir_{"sealsync-interop"};
  std::vector<std::string> keys_, recipients_;
};

// --- keys -------------------------------------------------------------------

TEST_F(AgeInterop, SealctlRecipientEqualsAgeKeygenY) {
  CommandResult k = Sealctl({"keygen", "-o", Path("sealctl-key.txt")});
  ASSERT_EQ(k.exit_code, 0) << Describe(k);
  std::string both = ReadFile(keys_[0]) + ReadFile(Path("sealctl-key.txt"));
  WriteFile(Path("both.txt"), both);
  for (const std::string& f :
       {keys_[0], Path("sealctl-key.txt"), Path("both.txt")}) {
    SCOPED_TRACE(f);
    CommandResult ours = Sealctl({"recipient", "-i", f});
    CommandResult theirs = RunProcess({age_keygen_, "-y", f});
    ASSERT_EQ(theirs.exit_code, 0) << Describe(theirs);
    EXPECT_EQ(ours.exit_code, 0) << Describe(ours);
    EXPECT_EQ(ours.out, theirs.out);
  }
  // The stderr line of keygen matches too.
  EXPECT_EQ(k.err,
            "Public key: " +
                RunProcess({age_keygen_, "-y", Path("sealctl-key.txt")}).out);
}

TEST_F(AgeInterop, AgeKeygenIdentityOpensInSealctl) {
  std::string plain = RandomBytes(1000, 1);
  WriteFile(Path("plain"), plain);
  CommandResult e = RunProcess(
      {age_, "-r", recipients_[0], "-o", Path("f.age"), Path("plain")});
  ASSERT_EQ(e.exit_code, 0) << Describe(e);
  CommandResult d =
      Sealctl({"unseal", "--raw", "-i", keys_[0], "-f", Path("f.age")});
  EXPECT_EQ(d.exit_code, 0) << Describe(d);
  EXPECT_TRUE(SameBytes(d.out, plain));
}

TEST_F(AgeInterop, SealctlKeygenIdentityOpensInAge) {
  ASSERT_EQ(Sealctl({"keygen", "-o", Path("k.txt")}).exit_code, 0);
  std::string recipient = Sealctl({"recipient", "-i", Path("k.txt")}).out;
  recipient.pop_back();
  CommandResult s = Sealctl(
      {"seal", "--raw", "-n", "team-a", "--name", "db", "-r", recipient},
      std::string(kCanary));
  ASSERT_EQ(s.exit_code, 0) << Describe(s);
  auto file = Base64Decode(s.out.substr(0, s.out.size() - 1));
  ASSERT_TRUE(file.has_value());
  WriteFile(Path("v.age"), AsString(*file));
  CommandResult d = AgeDecrypt(Path("k.txt"), Path("v.age"));
  EXPECT_EQ(d.exit_code, 0) << Describe(d);
  EXPECT_EQ(d.out, kCanary);
}

// --- sizes, armor, several recipients ---------------------------------------

struct SizeCase {
  size_t size;
  bool armor;
};

class AgeSizes : public AgeInterop,
                 public ::testing::WithParamInterface<SizeCase> {};

TEST_P(AgeSizes, AgeToSealctl) {
  const SizeCase& c = GetParam();
  std::string plain = RandomBytes(c.size, c.size + 1);
  WriteFile(Path("plain"), plain);
  std::vector<std::string> enc = {age_, "-o", Path("f.age")};
  if (c.armor) enc.push_back("-a");
  for (const auto& r : recipients_) enc.insert(enc.end(), {"-r", r});
  enc.push_back(Path("plain"));
  CommandResult e = RunProcess(enc);
  ASSERT_EQ(e.exit_code, 0) << Describe(e);
  ASSERT_EQ(
      ReadFile(Path("f.age")).starts_with("-----BEGIN AGE ENCRYPTED FILE-----"),
      c.armor);
  for (const auto& key : keys_) {  // each key alone
    SCOPED_TRACE(key);
    CommandResult d =
        Sealctl({"unseal", "--raw", "-i", key, "-f", Path("f.age")});
    EXPECT_EQ(d.exit_code, 0) << Describe(d);
    EXPECT_EQ(d.err, "");
    EXPECT_TRUE(SameBytes(d.out, plain));
  }
  // Also from stdin.
  CommandResult d =
      Sealctl({"unseal", "--raw", "-i", keys_[2]}, ReadFile(Path("f.age")));
  EXPECT_TRUE(SameBytes(d.out, plain)) << Describe(d);
}

TEST_P(AgeSizes, SealctlToAge) {
  const SizeCase& c = GetParam();
  std::string plain = RandomBytes(c.size, c.size + 2);
  WriteFile(Path("plain"), plain);
  // A strict-scoped value: our kid and scope stanzas must not bother age.
  std::vector<std::string> seal = {"seal",        "--raw",      "-n",
                                   "team-a",      "--name",     "db",
                                   "--from-file", Path("plain")};
  for (const auto& r : recipients_) seal.insert(seal.end(), {"-r", r});
  CommandResult s = Sealctl(seal);
  ASSERT_EQ(s.exit_code, 0) << Describe(s);
  ASSERT_TRUE(s.out.ends_with("\n"));
  auto file = Base64Decode(s.out.substr(0, s.out.size() - 1));
  ASSERT_TRUE(file.has_value()) << "the sealed value is not standard base64";
  ASSERT_NE(AsString(*file).find("\n-> sealsync.dev/scope strict team-a/db\n"),
            std::string_view::npos)
      << "no scope stanza";
  WriteFile(Path("v.age"),
            c.armor ? format::Armor(*file) : std::string(AsString(*file)));
  for (const auto& key : keys_) {  // each key alone
    SCOPED_TRACE(key);
    CommandResult d = AgeDecrypt(key, Path("v.age"));
    EXPECT_EQ(d.exit_code, 0) << Describe(d);
    EXPECT_TRUE(SameBytes(d.out, plain));
  }
  // The scope still holds on our side.
  CommandResult d = Sealctl({"unseal", "--raw", "-i", keys_[1], "-n", "team-a",
                             "--name", "db", "-f", Path("v.age")});
  EXPECT_TRUE(SameBytes(d.out, plain)) << Describe(d);
  d = Sealctl({"unseal", "--raw", "-i", keys_[1], "-n", "team-b", "--name",
               "db", "-f", Path("v.age")});
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_EQ(d.out, "");
}

INSTANTIATE_TEST_SUITE_P(
    ChunkBoundaries, AgeSizes,
    ::testing::Values(SizeCase{0, false}, SizeCase{0, true}, SizeCase{1, false},
                      SizeCase{1, true}, SizeCase{65535, false},
                      SizeCase{65535, true}, SizeCase{65536, false},
                      SizeCase{65536, true}, SizeCase{65537, false},
                      SizeCase{65537, true}, SizeCase{1048576, false},
                      SizeCase{1048576, true}),
    [](const auto& info) {
      return std::to_string(info.param.size) +
             (info.param.armor ? "_armored" : "_binary");
    });

TEST_F(AgeInterop, SealctlBinaryOutputOpensInAge) {
  std::string plain = RandomBytes(200000, 9);
  WriteFile(Path("plain"), plain);
  CommandResult s = Sealctl({"seal", "--raw", "--binary", "--scope", "cluster",
                             "-r", recipients_[0], "-r", recipients_[1],
                             "--from-file", Path("plain")});
  ASSERT_EQ(s.exit_code, 0) << Describe(s);
  WriteFile(Path("b.age"), s.out);
  for (int i = 0; i < 2; ++i) {
    CommandResult d = AgeDecrypt(keys_[i], Path("b.age"));
    EXPECT_EQ(d.exit_code, 0) << Describe(d);
    EXPECT_TRUE(SameBytes(d.out, plain));
  }
  CommandResult d = AgeDecrypt(keys_[2], Path("b.age"));
  EXPECT_NE(d.exit_code, 0) << "a key that is not a recipient opened it";
}

// --- scope of files without a binding ---------------------------------------

TEST_F(AgeInterop, UnboundAgeValuesOpenOnlyInClusterScope) {
  WriteFile(Path("plain"), std::string(kCanary));
  CommandResult e = RunProcess(
      {age_, "-r", recipients_[0], "-o", Path("f.age"), Path("plain")});
  ASSERT_EQ(e.exit_code, 0) << Describe(e);
  std::string value = Base64Encode(AsBytes(ReadFile(Path("f.age"))));
  auto manifest = [&](std::string_view scope) {
    return "apiVersion: sealsync.dev/v1alpha1\nkind: SealedSecret\n"
           "metadata: {name: db, namespace: team-a}\nspec:\n  scope: " +
           std::string(scope) + "\n  encryptedData:\n    password: " + value +
           "\n";
  };
  CommandResult ok = Sealctl({"unseal", "-i", keys_[0]}, manifest("Cluster"));
  EXPECT_EQ(ok.exit_code, 0) << Describe(ok);
  EXPECT_NE(ok.out.find(Base64Encode(AsBytes(kCanary))), std::string::npos);
  for (std::string_view scope : {"Strict", "Namespace"}) {
    CommandResult bad = Sealctl({"unseal", "-i", keys_[0]}, manifest(scope));
    EXPECT_EQ(bad.exit_code, 1) << scope;
    EXPECT_EQ(bad.out, "");
    EXPECT_NE(bad.err.find("scope mismatch"), std::string::npos) << bad.err;
  }
}

// --- tampering
// ----------------------------------------------------------------

TEST_F(AgeInterop, TamperedAgeFilesAreRejectedByBoth) {
  std::string plain = RandomBytes(70000, 3) + std::string(kCanary);
  WriteFile(Path("plain"), plain);
  CommandResult e = RunProcess(
      {age_, "-r", recipients_[0], "-o", Path("f.age"), Path("plain")});
  ASSERT_EQ(e.exit_code, 0) << Describe(e);
  const std::string file = ReadFile(Path("f.age"));
  size_t header_end = file.find("\n--- ");
  size_t payload = file.find('\n', header_end + 1) + 1;
  struct Case {
    std::string name;
    std::string bytes;
    std::string phrase;
  };
  std::vector<Case> cases;
  for (size_t at :
       {payload + 16 + 10, payload + 16 + 65536 + 16 + 5, file.size() - 1}) {
    std::string t = file;
    t[at] ^= 0x01;
    cases.push_back(
        {"payload byte " + std::to_string(at), t, "payload corrupt"});
  }
  cases.push_back({"payload nonce",
                   [&] {
                     std::string t = file;
                     t[payload] ^= 0x80;
                     return t;
                   }(),
                   "payload corrupt"});
  cases.push_back(
      {"first chunk dropped",
       file.substr(0, payload + 16) + file.substr(payload + 16 + 65536 + 16),
       "payload corrupt"});
  cases.push_back(
      {"truncated", file.substr(0, file.size() - 100), "payload corrupt"});
  // The file ends after a full chunk: that chunk is not marked last.
  cases.push_back({"last chunk dropped",
                   file.substr(0, payload + 16 + 65536 + 16),
                   "payload corrupt"});
  cases.push_back({"MAC",
                   [&] {
                     std::string t = file;
                     char& c = t[header_end + 5];
                     c = c == 'A' ? 'B' : 'A';
                     return t;
                   }(),
                   "header MAC failed"});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    WriteFile(Path("t.age"), c.bytes);
    CommandResult ours =
        Sealctl({"unseal", "--raw", "-i", keys_[0], "-f", Path("t.age")});
    EXPECT_EQ(ours.exit_code, 1);
    EXPECT_EQ(ours.out, "");
    EXPECT_TRUE(ours.err.starts_with("sealctl: error: " + c.phrase))
        << ours.err;
    EXPECT_EQ(ours.err.find(kCanary), std::string::npos);
    // Through a pipe (not seekable: sealctl buffers the ciphertext), the
    // first chunk verifies but nothing of it is released either.
    CommandResult piped = RunProcess(
        {"/bin/sh", "-c", "cat \"$1\" | \"$2\" unseal --raw -i \"$3\"", "sh",
         Path("t.age"), SEALCTL_BINARY, keys_[0]});
    EXPECT_EQ(piped.exit_code, 1);
    EXPECT_EQ(piped.out, "");
    EXPECT_TRUE(piped.err.starts_with("sealctl: error: " + c.phrase))
        << piped.err;
    CommandResult theirs = AgeDecrypt(keys_[0], Path("t.age"));
    EXPECT_NE(theirs.exit_code, 0) << "age accepted it too";
  }
  CommandResult piped =
      RunProcess({"/bin/sh", "-c", "cat \"$1\" | \"$2\" unseal --raw -i \"$3\"",
                  "sh", Path("f.age"), SEALCTL_BINARY, keys_[0]});
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_TRUE(SameBytes(piped.out, plain));
  // The untouched file opens in both.
  EXPECT_TRUE(SameBytes(
      Sealctl({"unseal", "--raw", "-i", keys_[0], "-f", Path("f.age")}).out,
      plain));
  EXPECT_TRUE(SameBytes(AgeDecrypt(keys_[0], Path("f.age")).out, plain));
}

// --- passphrases
// ---------------------------------------------------------------- age reads
// passphrases only from a terminal: it runs on a pseudo-terminal here.

TEST_F(AgeInterop, AgePassphraseFileOpensInSealctl) {
  std::string plain = RandomBytes(70000, 4);
  WriteFile(Path("plain"), plain);
  auto e =
      RunOnTerminal({age_, "-p", "-o", Path("p.age"), Path("plain")},
                    "correct horse battery staple", std::chrono::seconds(60));
  if (!e) GTEST_SKIP() << "no pseudo-terminal available";
  ASSERT_EQ(e->exit_code, 0) << e->out;
  ASSERT_NE(ReadFile(Path("p.age")).find("\n-> scrypt "), std::string::npos);
  WriteFile(Path("pass"), "correct horse battery staple\n");
  CommandResult d = Sealctl({"unseal", "--raw", "--passphrase-file",
                             Path("pass"), "-f", Path("p.age")});
  EXPECT_EQ(d.exit_code, 0) << Describe(d);
  EXPECT_TRUE(SameBytes(d.out, plain));
  WriteFile(Path("wrong"), "correct horse battery stapler\n");
  d = Sealctl({"unseal", "--raw", "--passphrase-file", Path("wrong"), "-f",
               Path("p.age")});
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_EQ(d.out, "");
  EXPECT_NE(d.err.find("no identity matched"), std::string::npos) << d.err;
}

TEST_F(AgeInterop, LibraryPassphraseFileOpensInAge) {
  // sealctl has no passphrase seal flag, so the library makes the file.
  FakeRandom random(5);
  ScryptRecipient r("correct horse battery staple", 10);
  const AgeRecipient* rs[] = {&r};
  std::string plain = RandomBytes(70000, 6);
  auto file = AgeEncrypt(AsBytes(plain), rs, random);
  ASSERT_TRUE(file.has_value());
  WriteFile(Path("p.age"), AsString(*file));
  auto d =
      RunOnTerminal({age_, "-d", "-o", Path("out"), Path("p.age")},
                    "correct horse battery staple", std::chrono::seconds(60));
  if (!d) GTEST_SKIP() << "no pseudo-terminal available";
  EXPECT_EQ(d->exit_code, 0) << d->out;
  EXPECT_TRUE(SameBytes(ReadFile(Path("out")), plain));
}

// --- the transcripts, against the binary
// ---------------------------------------

class BinaryTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(BinaryTranscript, Binary) {
  SealctlRunner binary = [](const std::vector<std::string>& args,
                            const std::string& in) {
    std::vector<std::string> argv = args;
    argv.insert(argv.begin(), SEALCTL_BINARY);
    return RunProcess(argv, in);
  };
  TranscriptOutcome outcome = RunTranscriptFile(GetParam(), binary);
  for (const auto& f : outcome.failures) ADD_FAILURE() << f;
  EXPECT_GT(outcome.commands_run, 0);
}

INSTANTIATE_TEST_SUITE_P(Transcripts, BinaryTranscript,
                         ::testing::ValuesIn(TranscriptNames()),
                         [](const auto& info) {
                           std::string n =
                               info.param.substr(0, info.param.rfind('.'));
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace sealsync::testing
