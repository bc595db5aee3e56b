#include "tests/interop/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace sealsync::testing {
namespace {

std::string TempPath() {
  std::string p =
      (std::filesystem::temp_directory_path() / "sealsync-proc-XXXXXX")
          .string();
  int fd = mkstemp(p.data());
  if (fd >= 0) close(fd);
  return p;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream b;
  b << f.rdbuf();
  return b.str();
}

std::vector<char*> Argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string FindInPath(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return access(program.c_str(), X_OK) == 0 ? program : "";
  }
  const char* path = getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string full = (dir.empty() ? "." : dir) + "/" + program;
    if (access(full.c_str(), X_OK) == 0) return full;
  }
  return "";
}

CommandResult RunProcess(const std::vector<std::string>& argv,
                         const std::string& in) {
  std::string in_path = TempPath(), out_path = TempPath(),
              err_path = TempPath();
  {
    std::ofstream f(in_path, std::ios::binary | std::ios::trunc);
    f.write(in.data(), static_cast<std::streamsize>(in.size()));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_TRUNC,
                                   0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_TRUNC,
                                   0);
  auto args = Argv(argv);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  CommandResult r;
  if (rc != 0) {
    r.exit_code = 127;
    r.err = "spawn " + argv[0] + " failed: " + std::strerror(rc);
  } else {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = ExitCode(status);
    r.out = Slurp(out_path);
    r.err = Slurp(err_path);
  }
  unlink(in_path.c_str());
  unlink(out_path.c_str());
  unlink(err_path.c_str());
  return r;
}

std::optional<CommandResult> RunOnTerminal(const std::vector<std::string>& argv,
                                           const std::string& passphrase,
                                           std::chrono::seconds deadline) {
  auto args = Argv(argv);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    execvp(args[0], args.data());
    _exit(127);
  }
  CommandResult r;
  size_t answered = 0;
  auto until = std::chrono::steady_clock::now() + deadline;
  bool timed_out = false;
  while (true) {
    if (std::chrono::steady_clock::now() > until) {
      timed_out = true;
      break;
    }
    pollfd p{master, POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    ssize_t got = read(master, buf, sizeof buf);
    if (got <= 0) break;  // EIO: the child closed the terminal
    r.out.append(buf, static_cast<size_t>(got));
    size_t prompts = 0;
    for (size_t at = r.out.find("passphrase"); at != std::string::npos;
         at = r.out.find("passphrase", at + 1)) {
      ++prompts;
    }
    while (answered < prompts) {
      // Let the program switch the terminal to no-echo before answering.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::string line = passphrase + "\n";
      if (write(master, line.data(), line.size()) < 0) break;
      ++answered;
    }
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  close(master);
  r.exit_code = timed_out ? -1 : ExitCode(status);
  return r;
}

}  // namespace sealsync::testing
