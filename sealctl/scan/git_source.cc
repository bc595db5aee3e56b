#include "sealctl/scan/git_source.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "sealctl/scan/scanner.h"

extern char** environ;

namespace sealsync::sealctl::scan {
namespace {

constexpr size_t kMaxListing = 256 * 1024 * 1024;  // names, not contents

// Runs `git -C dir ARGS`, handing its stdout to `consume` (which reads the
// pipe). Returns git's exit status; stderr goes to /dev/null.
Result<int> RunGit(const std::string& dir, const std::vector<std::string>& args,
                   const std::function<Result<void>(int fd)>& consume) {
  std::vector<std::string> argv = {"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return std::unexpected(Error(ErrorCode::kUnavailable,
                                 std::string("pipe: ") + std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, "git", &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return std::unexpected(
        Error(ErrorCode::kFailedPrecondition,
              std::string("cannot run git: ") + std::strerror(rc)));
  }
  Result<void> consumed = consume(fds[0]);
  // Drain what the consumer left so git never blocks on a full pipe.
  char sink[4096];
  while (read(fds[0], sink, sizeof sink) > 0) {
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!consumed) return std::unexpected(consumed.error());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// git's output split on NUL (or newline), bounded.
Result<std::vector<std::string>> GitList(const std::string& dir,
                                         const std::vector<std::string>& args,
                                         char sep, const std::string& what) {
  std::string out;
  auto status = RunGit(dir, args, [&](int fd) -> Result<void> {
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      out.append(buf, n);
      if (out.size() > kMaxListing)
        return std::unexpected(
            Error(ErrorCode::kResourceExhausted, what + ": listing too large"));
    }
    return {};
  });
  if (!status) return std::unexpected(status.error());
  if (*status != 0)
    return std::unexpected(
        Error(ErrorCode::kFailedPrecondition,
              what + ": git exited with " + std::to_string(*status)));
  std::vector<std::string> items;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t end = out.find(sep, pos);
    if (end == std::string::npos) end = out.size();
    if (end > pos) items.push_back(out.substr(pos, end - pos));
    pos = end + 1;
  }
  return items;
}

Result<std::string> TopLevel(const std::string& dir) {
  auto top = GitList(dir, {"rev-parse", "--show-toplevel"}, '\n', dir);
  if (!top || top->empty())
    return std::unexpected(Error(ErrorCode::kFailedPrecondition,
                                 dir + ": not a git repository (or git is "
                                       "not installed)"));
  return top->front();
}

// Scans the blob `object` (e.g. ":path" or "COMMIT:path") as `path`.
Result<std::vector<Finding>> ScanBlob(const std::string& top,
                                      const std::string& object,
                                      const std::string& path) {
  std::vector<Finding> findings;
  auto status =
      RunGit(top, {"cat-file", "blob", object}, [&](int fd) -> Result<void> {
        auto r = ScanStream(
            path, [fd](char* b, size_t n) { return ::read(fd, b, n); });
        if (!r) return std::unexpected(r.error());
        findings = std::move(r->findings);
        return {};
      });
  if (!status) return std::unexpected(status.error());
  if (*status != 0)
    return std::unexpected(
        Error(ErrorCode::kUnavailable, "cannot read " + object + " from git"));
  return findings;
}

}  // namespace

Result<GitScan> ScanStaged(const std::string& dir) {
  auto top = TopLevel(dir);
  if (!top) return std::unexpected(top.error());
  auto files = GitList(*top,
                       {"diff", "--cached", "--name-only", "-z",
                        "--diff-filter=ACMR", "--no-renames"},
                       '\0', "git diff --cached");
  if (!files) return std::unexpected(files.error());
  GitScan scan;
  for (const std::string& path : *files) {
    auto found = ScanBlob(*top, ":" + path, path);
    if (!found) return std::unexpected(found.error());
    ++scan.files;
    for (Finding& f : *found) scan.findings.push_back(std::move(f));
  }
  return scan;
}

Result<GitScan> ScanSince(const std::string& dir, const std::string& rev) {
  auto top = TopLevel(dir);
  if (!top) return std::unexpected(top.error());
  if (rev.empty() || rev.starts_with("-"))
    return std::unexpected(Error(ErrorCode::kInvalidArgument,
                                 "--since " + rev + ": not a revision"));
  auto commits = GitList(
      *top,
      {"rev-list", "--reverse",
       "--max-count=" + std::to_string(kMaxCommits + 1), rev + "..HEAD", "--"},
      '\n', "--since " + rev);
  if (!commits)
    return std::unexpected(Error(ErrorCode::kInvalidArgument,
                                 "--since " + rev + ": unknown revision"));
  if (commits->size() > static_cast<size_t>(kMaxCommits))
    return std::unexpected(Error(ErrorCode::kResourceExhausted,
                                 "--since " + rev + ": more than " +
                                     std::to_string(kMaxCommits) + " commits"));
  GitScan scan;
  std::set<std::string> seen;
  for (const std::string& commit : *commits) {
    auto files =
        GitList(*top,
                {"diff-tree", "-r", "--root", "--no-commit-id", "--name-only",
                 "-z", "--diff-filter=ACMR", "--no-renames", commit},
                '\0', "git diff-tree " + commit);
    if (!files) return std::unexpected(files.error());
    for (const std::string& path : *files) {
      auto found = ScanBlob(*top, commit + ":" + path, path);
      if (!found) return std::unexpected(found.error());
      ++scan.files;
      for (Finding& f : *found) {
        if (!seen.insert(f.rule + f.fingerprint).second) continue;
        f.commit = commit;
        scan.findings.push_back(std::move(f));
      }
    }
  }
  return scan;
}

}  // namespace sealsync::sealctl::scan
