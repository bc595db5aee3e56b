// Every write sealctl makes is checked. Runs the built sealctl binary with
// stdout on /dev/full (ENOSPC) and on a pipe whose reader is gone (EPIPE),
// and keygen -o into places where the file cannot be written; plus the io
// helpers (sealctl/io.h) in-process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "sealctl/io.h"
#include "sealctl/run.h"
#include "sealsync/age.h"
#include "tests/fake_random.h"
#include "tests/sealctl/transcript.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {
namespace fs = std::filesystem;

using Args = std::vector<std::string>;

// Runs the sealctl binary with `stdin_path` as stdin and `out_fd` as stdout;
// returns its exit code (128 + signal if killed) and stderr. With `fsize`,
// the child's RLIMIT_FSIZE (bytes): writing past it fails with EFBIG, as
// on a full disk. SIGPIPE and SIGXFSZ are reset to their defaults, so only
// sealctl's own main() can make them harmless.
CommandResult RunBinary(const Args& args, int out_fd,
                        const std::string& stdin_path = "/dev/null",
                        std::optional<rlim_t> fsize = std::nullopt) {
  // stderr through a pipe (not a file, which the size limit would hit); it
  // holds one line, far below the pipe's capacity, so reading after the
  // child exits cannot deadlock.
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return {-1, "", "pipe failed"};
  pid_t pid = fork();
  if (pid == 0) {
    int in_fd = open(stdin_path.c_str(), O_RDONLY);
    if (in_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
        dup2(err_pipe[1], 2) < 0)
      _exit(126);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
    if (fsize) {
      rlimit lim{*fsize, *fsize};
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(126);
    }
    std::vector<char*> argv;
    std::string bin = SEALCTL_BINARY;
    argv.push_back(bin.data());
    Args copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(err_pipe[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char buf[4096];
  ssize_t n;
  while ((n = read(err_pipe[0], buf, sizeof buf)) > 0) r.err.append(buf, n);
  close(err_pipe[0]);
  return r;
}

class SealctlOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeRandom random(7);
    X25519Identity key = X25519Identity::Generate(random);
    recipient_ = key.recipient().ToString();
    WriteFile(Path("key.txt"), FormatIdentityFile(key, "2024-01-01T00:00:00Z"));
    WriteFile(Path("secret.yaml"),
              "apiVersion: v1\nkind: Secret\n"
              "metadata: {name: db, namespace: team-a}\n"
              "stringData: {password: " +
                  std::string(kCanary) + "}\n");
    CommandResult sealed =
        RunInProcess({"seal", "-r", recipient_, "-f", Path("secret.yaml")}, "");
    ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
    WriteFile(Path("sealed.yaml"), sealed.out);
    CommandResult raw =
        RunInProcess({"seal", "--raw", "--binary", "-n", "team-a", "--name",
                      "db", "-r", recipient_},
                     std::string(kCanary));
    ASSERT_EQ(raw.exit_code, 0) << raw.err;
    WriteFile(Path("raw.age"), raw.out);
    // 300 KiB: more than stdout's 64 KiB buffer, so writes fail mid-way.
    WriteFile(Path("big.bin"), std::string(300 << 10, 'x'));
  }
  void TearDown() override { chmod(dir_.path().c_str(), 0700); }

  std::string Path(std::string_view name) const { return dir_ / name; }

  // Every command that writes to stdout, each with output to write.
  std::vector<Args> Commands() const {
    return {
        {"keygen"},
        {"recipient", "-i", Path("key.txt")},
        {"seal", "-r", recipient_, "-f", Path("secret.yaml")},
        {"seal", "-r", recipient_, "-f", Path("secret.yaml"), "-o", "json"},
        {"seal", "--raw", "-n", "team-a", "--name", "db", "-r", recipient_,
         "--from-file", Path("secret.yaml")},
        {"seal", "--raw", "--binary", "-n", "team-a", "--name", "db", "-r",
         recipient_, "--from-file", Path("big.bin")},
        {"unseal", "-i", Path("key.txt"), "-f", Path("sealed.yaml")},
        {"unseal", "--raw", "-i", Path("key.txt"), "-f", Path("raw.age")},
        {"reseal", "-i", Path("key.txt"), "-r", recipient_, "-f",
         Path("sealed.yaml")},
        {"--help"},
    };
  }

  // No file but `keep` is left in the directory (no temporary file).
  void ExpectOnlyFiles(const std::vector<std::string>& keep) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_.path()))
      names.push_back(e.path().filename().string());
    std::vector<std::string> want = keep;
    for (const char* fixture :
         {"key.txt", "secret.yaml", "sealed.yaml", "raw.age", "big.bin"})
      want.push_back(fixture);
    std::sort(names.begin(), names.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(names, want);
  }

  TempDir dir_{"sealctl-output"};
  std::string recipient_;
};

std::string Describe(const Args& args) {
  std::string s = "sealctl";
  for (const auto& a : args) s += " " + a;
  return s;
}

// Exactly one line, the error, and neither the canary nor keygen's
// "Public key:" (which would claim a key was written).
void ExpectWriteError(const CommandResult& r, const Args& args,
                      std::string_view reason) {
  EXPECT_EQ(r.exit_code, 1) << Describe(args) << ": " << r.err;
  EXPECT_EQ(r.err, "sealctl: error: cannot write to stdout: " +
                       std::string(reason) + "\n")
      << Describe(args);
  EXPECT_EQ(r.err.find(kCanary), std::string::npos);
}

TEST_F(SealctlOutput, StdoutOnDevFullFails) {
  int full = open("/dev/full", O_WRONLY);
  if (full < 0) GTEST_SKIP() << "no /dev/full";
  for (const Args& args : Commands()) {
    ExpectWriteError(RunBinary(args, full), args, "No space left on device");
  }
  close(full);
}

TEST_F(SealctlOutput, StdoutOnClosedPipeFails) {
  for (const Args& args : Commands()) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    close(fds[0]);  // nobody will ever read: every write is EPIPE
    CommandResult r = RunBinary(args, fds[1]);
    close(fds[1]);
    // Not killed by SIGPIPE (exit 141): the write error is reported.
    ExpectWriteError(r, args, "Broken pipe");
  }
}

TEST_F(SealctlOutput, SucceedsOnAWritableStdout) {
  // The same commands succeed when stdout works: the failures above are
  // the stream's, not the commands'.
  int out = open(Path("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(out, 0);
  for (const Args& args : Commands()) {
    CommandResult r = RunBinary(args, out);
    EXPECT_EQ(r.exit_code, 0) << Describe(args) << ": " << r.err;
  }
  close(out);
}

TEST_F(SealctlOutput, KeygenOutputFileOnFullDiskLeavesNothing) {
  int null_fd = open("/dev/null", O_WRONLY);
  // RLIMIT_FSIZE 0: the first byte written fails with EFBIG, as a full disk
  // would with ENOSPC.
  CommandResult r = RunBinary({"keygen", "-o", Path("new-key.txt")}, null_fd,
                              "/dev/null", rlim_t{0});
  close(null_fd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sealctl: error: cannot write " + Path("new-key.txt") +
                       ": File too large\n");
  EXPECT_FALSE(fs::exists(Path("new-key.txt")));
  ExpectOnlyFiles({});
}

TEST_F(SealctlOutput, KeygenOutputFileNeverReplacesAnExistingFile) {
  WriteFile(Path("old-key.txt"), "# old key\n");
  int null_fd = open("/dev/null", O_WRONLY);
  CommandResult r = RunBinary({"keygen", "-o", Path("old-key.txt")}, null_fd);
  close(null_fd);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sealctl: error: cannot create " + Path("old-key.txt") +
                       ": File exists\n");
  EXPECT_EQ(ReadFile(Path("old-key.txt")), "# old key\n");
  ExpectOnlyFiles({"old-key.txt"});
}

TEST_F(SealctlOutput, KeygenOutputFileIsPrivateAndWhole) {
  int null_fd = open("/dev/null", O_WRONLY);
  CommandResult r = RunBinary({"keygen", "-o", Path("new-key.txt")}, null_fd);
  close(null_fd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat(Path("new-key.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto ids = ParseIdentityFile(ReadFile(Path("new-key.txt")));
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->size(), 1u);
  EXPECT_NE(r.err.find("Public key: " + (*ids)[0].recipient().ToString()),
            std::string::npos);
  ExpectOnlyFiles({"new-key.txt"});
}

TEST_F(SealctlOutput, KeygenOutputFileInReadOnlyPlaceFails) {
  // /proc takes no new files, even for root.
  CommandResult r = RunInProcess({"keygen", "-o", "/proc/sealctl-key.txt"}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(
      r.err.starts_with("sealctl: error: cannot create "
                        "/proc/sealctl-key.txt: "))
      << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(fs::exists("/proc/sealctl-key.txt"));
  if (geteuid() == 0) return;  // root writes into a mode 0555 directory
  ASSERT_EQ(chmod(dir_.path().c_str(), 0555), 0);
  r = RunInProcess({"keygen", "-o", Path("new-key.txt")}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sealctl: error: cannot create " + Path("new-key.txt") +
                       ": Permission denied\n");
}

// --- the io helpers, in-process

TEST_F(SealctlOutput, ReplaceKeepsTheOldFileWhenTheWriteFails) {
  WriteFile(Path("file"), "old contents\n");
  // A file size limit in this process: writes past it fail with EFBIG.
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  rlimit lim{4, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  auto ok = sealctl::WriteFileAtomically(Path("file"), "new contents, longer",
                                         0600, /*replace=*/true);
  setrlimit(RLIMIT_FSIZE, &saved);
  signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(ok.has_value());
  EXPECT_EQ(ok.error().message(),
            "cannot write " + Path("file") + ": File too large");
  EXPECT_EQ(ReadFile(Path("file")), "old contents\n");
  ExpectOnlyFiles({"file"});
}

TEST_F(SealctlOutput, ReplaceSwapsTheWholeFile) {
  WriteFile(Path("file"), "old\n");
  ASSERT_TRUE(sealctl::WriteFileAtomically(Path("file"), "new\n", 0644, true));
  EXPECT_EQ(ReadFile(Path("file")), "new\n");
  struct stat st {};
  ASSERT_EQ(stat(Path("file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  ExpectOnlyFiles({"file"});
}

TEST_F(SealctlOutput, RunReportsAFailedStdoutInProcess) {
  int full = open("/dev/full", O_WRONLY);
  if (full < 0) GTEST_SKIP() << "no /dev/full";
  sealctl::FdOutBuf buf(full);
  std::ostream out(&buf);
  std::istringstream in;
  std::ostringstream err;
  int code = sealctl::Run({"recipient", "-i", Path("key.txt")}, in, out, err);
  close(full);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err.str(),
            "sealctl: error: cannot write to stdout: No space left on "
            "device\n");
  EXPECT_EQ(buf.error(), ENOSPC);
}

TEST_F(SealctlOutput, InputsThatAreNotFilesAreNamed) {
  std::istringstream in;
  auto dir = sealctl::ReadInput(dir_.path().string(), in);
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().message(),
            "cannot read " + dir_.path().string() + ": is a directory");
  EXPECT_EQ(dir.error().code(), ErrorCode::kInvalidArgument);

  auto missing = sealctl::ReadInput(Path("missing"), in);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message(),
            "cannot open " + Path("missing") + ": No such file or directory");

  // A Unix socket cannot be opened, even by root.
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock = Path("sock");
  ASSERT_LT(sock.size(), sizeof addr.sun_path);
  std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  CommandResult r = RunInProcess({"unseal", "-i", sock, "-f", sock}, "");
  close(s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sealctl: error: cannot open " + sock +
                       ": No such device or address\n");

  if (geteuid() == 0) return;  // root reads mode 000 files
  WriteFile(Path("unreadable"), "x");
  ASSERT_EQ(chmod(Path("unreadable").c_str(), 0), 0);
  r = RunInProcess({"recipient", "-i", Path("unreadable")}, "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "sealctl: error: cannot open " + Path("unreadable") +
                       ": Permission denied\n");
}

}  // namespace
}  // namespace sealsync::testing
