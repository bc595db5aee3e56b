#include "tests/support/net_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

extern char** environ;

namespace sealsync::testing {
namespace {

namespace fs = std::filesystem;

// Where `ip netns add` mounts named namespaces.
constexpr char kNetnsDir[] = "/var/run/netns";

// Runs `ip args...` (no shell). "" on success, else what went wrong: the
// command line and its output.
std::string Ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ip"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return line + ": pipe: " + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, "ip", &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string text;
  char buf[1024];
  ssize_t n;
  while (rc == 0 && (n = ::read(out[0], buf, sizeof buf)) > 0)
    text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  if (rc != 0) {
    return line + ": cannot run `ip`: " + std::strerror(rc) +
           (rc == ENOENT ? " (install iproute2)" : "");
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return line + ": " + (text.empty() ? "failed" : text);
}

// The address part of "a.b.c.d/len".
std::string AddressOf(const std::string& cidr) {
  return cidr.substr(0, cidr.find('/'));
}

// The host end of namespace `pid`-`n`'s veth pair. Interface names have at
// most 15 characters: "st" + pid (<= 7 digits) + "h" + n.
std::string HostLink(const std::string& pid, const std::string& n) {
  return "st" + pid + "h" + n;
}

// Names of the namespaces this process has created and not yet deleted.
std::mutex g_mu;
std::set<std::string> g_live;

// Deletes namespaces "<prefix>-<pid>-<n>" (and their veth pairs) whose
// process is gone, or that carry this process's pid but are not its own (a
// killed run whose pid was reused).
void DeleteStale(const std::string& prefix) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix + "-")) continue;
    std::string rest = name.substr(prefix.size() + 1);
    size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || dash > 9 ||
        dash + 1 == rest.size() || rest.size() - dash > 9 ||
        rest.find_first_not_of("0123456789-") != std::string::npos) {
      continue;
    }
    std::string pid = rest.substr(0, dash), n = rest.substr(dash + 1);
    pid_t id = static_cast<pid_t>(std::stol(pid));
    if (id == ::getpid()) {
      std::lock_guard<std::mutex> lock(g_mu);
      if (g_live.contains(name)) continue;
    } else if (::kill(id, 0) == 0 || errno != ESRCH) {
      continue;
    }
    // The kernel frees a namespace (and the veth end inside) lazily; delete
    // the host end now so its address is gone before a new pair gets it.
    (void)Ip({"link", "delete", HostLink(pid, n)});
    (void)Ip({"netns", "delete", name});
  }
}

}  // namespace

Result<std::unique_ptr<NetNamespace>> NetNamespace::Create(
    const Options& options) {
  static std::atomic<int> counter{0};
  DeleteStale(options.prefix);
  std::string pid = std::to_string(::getpid());
  std::string n = std::to_string(counter++);
  std::unique_ptr<NetNamespace> ns(new NetNamespace());
  ns->host_ip_ = AddressOf(options.host_cidr);
  ns->inner_ip_ = AddressOf(options.inner_cidr);
  ns->host_link_ = HostLink(pid, n);
  std::string inner_link = "st" + pid + "n" + n;
  std::string name = options.prefix + "-" + pid + "-" + n;
  auto fail = [&](const std::string& what) {
    std::string hint =
        ::geteuid() != 0 ? " (not root: needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"
                         : "";
    return MakeError(ErrorCode::kFailedPrecondition,
                     "network namespace " + name + ": " + what + hint);
  };
  if (std::string e = Ip({"netns", "add", name}); !e.empty()) return fail(e);
  ns->name_ = name;  // from here on the destructor cleans up
  {
    std::lock_guard<std::mutex> lock(g_mu);
    g_live.insert(name);
  }
  // The peer is created inside the namespace, so no half of the pair is
  // ever left on the host alone.
  if (std::string e = Ip({"link", "add", ns->host_link_, "type", "veth", "peer",
                          "name", inner_link, "netns", name});
      !e.empty()) {
    return fail(e);
  }
  ns->link_created_ = true;
  const std::vector<std::vector<std::string>> steps = {
      {"addr", "add", options.host_cidr, "dev", ns->host_link_},
      {"link", "set", ns->host_link_, "up"},
      {"-n", name, "addr", "add", options.inner_cidr, "dev", inner_link},
      {"-n", name, "link", "set", inner_link, "up"},
      {"-n", name, "link", "set", "lo", "up"},
  };
  for (const auto& step : steps) {
    if (std::string e = Ip(step); !e.empty()) return fail(e);
  }
  return ns;
}

NetNamespace::~NetNamespace() {
  // Deleting one end of a veth pair deletes both.
  if (link_created_) (void)Ip({"link", "delete", host_link_});
  if (name_.empty()) return;
  (void)Ip({"netns", "delete", name_});
  std::lock_guard<std::mutex> lock(g_mu);
  g_live.erase(name_);
}

Result<void> NetNamespace::RunInside(const std::function<void()>& fn) const {
  std::optional<Error> failed;
  std::string path = std::string(kNetnsDir) + "/" + name_;
  std::thread thread([&] {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      failed =
          Error(ErrorCode::kInternal, "entering network namespace " + path +
                                          ": " + std::strerror(errno));
      if (fd >= 0) ::close(fd);
      return;
    }
    ::close(fd);
    fn();
  });
  thread.join();
  if (failed) return std::unexpected(*failed);
  return {};
}

}  // namespace sealsync::testing
