// Identity files encrypted by Debian's age CLI with `age -p` (age's
// "encrypted identity file") open in sealctl with --passphrase-file. age
// reads passphrases only from a terminal, so it runs on a pseudo-terminal
// (tests/interop/process.h). The transcript identity-passphrase.txt covers
// the same with fixtures made by the library (work factor 10, fast).
//
// Without `age` these tests skip, except under CI=true, where they fail.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/interop/process.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

CommandResult Binary(std::vector<std::string> args, const std::string& in) {
  args.insert(args.begin(), SEALCTL_BINARY);
  return RunProcess(args, in);
}

class EncryptedIdentityFile : public ::testing::Test {
 protected:
  void SetUp() override {
    age_ = FindInPath("age");
    std::string keygen = FindInPath("age-keygen");
    if (age_.empty() || keygen.empty()) {
      const char* ci = getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true")
        FAIL() << "age / age-keygen not in PATH, and CI=true";
      GTEST_SKIP() << "age / age-keygen not installed (apt-get install age)";
    }
    CommandResult k = RunProcess({keygen, "-o", Path("key.txt")});
    ASSERT_EQ(k.exit_code, 0) << k.err;
    CommandResult r = RunProcess({keygen, "-y", Path("key.txt")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    recipient_ = r.out.substr(0, r.out.find('\n'));
    WriteFile(Path("pass"), "correct horse battery staple\n");
    WriteFile(Path("wrong"), "correct horse battery stapler\n");
    // A SealedSecret and a raw age file for the key.
    CommandResult sealed = RunInProcess(
        {"seal", "-r", recipient_},
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: a}\n"
        "stringData: {password: " +
            std::string(kCanary) + "}\n");
    ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
    WriteFile(Path("sealed.yaml"), sealed.out);
    CommandResult raw = RunProcess(
        {age_, "-r", recipient_, "-o", Path("raw.age")}, std::string(kCanary));
    ASSERT_EQ(raw.exit_code, 0) << raw.err;
  }
  std::string Path(std::string_view name) const { return dir_ / name; }

  // `age -p [-a] -o OUT key.txt` on a terminal; false if no pty.
  bool EncryptKey(const std::string& out, bool armor) {
    std::vector<std::string> argv = {age_, "-p"};
    if (armor) argv.push_back("-a");
    argv.insert(argv.end(), {"-o", out, Path("key.txt")});
    auto e = RunOnTerminal(argv, "correct horse battery staple",
                           std::chrono::seconds(60));
    if (!e) return false;
    EXPECT_EQ(e->exit_code, 0) << e->out;
    return true;
  }

  std::string age_;
  TempDir dir_{"sealctl-idpass"};
  std::string recipient_;
};

TEST_F(EncryptedIdentityFile, AgePassphraseIdentityOpensInSealctl) {
  for (bool armor : {true, false}) {
    std::string key = Path(armor ? "key.age.asc" : "key.age");
    if (!EncryptKey(key, armor)) GTEST_SKIP() << "no pseudo-terminal";
    std::ifstream f(key, std::ios::binary);
    std::string head(64, '\0');
    f.read(head.data(), 64);
    EXPECT_TRUE(head.starts_with(armor ? "-----BEGIN AGE ENCRYPTED FILE-----"
                                       : "age-encryption.org/v1\n-> scrypt "))
        << head;

    CommandResult u = Binary({"unseal", "-i", key, "--passphrase-file",
                              Path("pass"), "-f", Path("sealed.yaml")},
                             "");
    EXPECT_EQ(u.exit_code, 0) << u.err;
    EXPECT_NE(u.out.find("password: Y2FuYXJ5LTdmM2E5Yy1kby1ub3QtbG9n"),
              std::string::npos)
        << u.out;

    // Each unseal runs scrypt at age's work factor 18 (about a second): the
    // rest only once, for the binary form.
    if (armor) continue;

    CommandResult raw =
        Binary({"unseal", "--raw", "-i", key, "--passphrase-file", Path("pass"),
                "-f", Path("raw.age")},
               "");
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_EQ(raw.out, kCanary);

    // A wrong passphrase is named as one, not "no identity matched".
    CommandResult wrong = Binary({"unseal", "-i", key, "--passphrase-file",
                                  Path("wrong"), "-f", Path("sealed.yaml")},
                                 "");
    EXPECT_EQ(wrong.exit_code, 1);
    EXPECT_EQ(wrong.out, "");
    EXPECT_EQ(wrong.err, "sealctl: error: wrong passphrase for identity file " +
                             key + "\n");

    // Without a passphrase: how to give one.
    CommandResult none =
        RunInProcess({"unseal", "-i", key, "-f", Path("sealed.yaml")}, "");
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_EQ(none.err, "sealctl: error: identity file " + key +
                            " is encrypted with a passphrase: pass "
                            "--passphrase-file FILE\n");
  }
}

}  // namespace
}  // namespace sealsync::testing
