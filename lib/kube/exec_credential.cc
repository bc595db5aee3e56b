#include "lib/kube/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

extern char** environ;

namespace sealsync::kube {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxStdout = 1 << 20;   // an ExecCredential is a few KiB
constexpr size_t kMaxStderr = 64 << 10;  // only the first line is used
constexpr size_t kMaxReportedLine = 256;

std::unexpected<Error> Malformed(std::string what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "malformed ExecCredential: " + what);
}

// Parses `n` decimal digits at s[pos]; -1 if any is not a digit.
int Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(
    std::string_view s) {
  using namespace std::chrono;
  int y = Digits(s, 0, 4), mo = Digits(s, 5, 2), d = Digits(s, 8, 2);
  int h = Digits(s, 11, 2), mi = Digits(s, 14, 2), sec = Digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0 || s[4] != '-' ||
      s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':' || h > 23 || mi > 59 || sec > 59) {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                     day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  size_t pos = 19;
  nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = minutes(oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  auto local = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec);
  return time_point_cast<system_clock::duration>(local - offset + frac);
}

bool HasPemBlock(std::string_view s) {
  return s.find("-----BEGIN ") != std::string_view::npos;
}

// The first line of `text`, shortened, printable only, with every secret in
// `secrets` replaced by "[redacted]".
std::string FirstLine(std::string_view text,
                      const std::vector<std::string>& secrets) {
  std::string line(text.substr(0, text.find('\n')));
  std::vector<std::string> longest_first = secrets;
  std::ranges::sort(longest_first, std::greater<>{}, &std::string::size);
  for (const std::string& secret : longest_first) {
    if (secret.empty()) continue;
    for (size_t at = line.find(secret); at != std::string::npos;
         at = line.find(secret, at)) {
      line.replace(at, secret.size(), "[redacted]");
      at += 10;
    }
  }
  std::string out;
  for (char c : line) {
    if (out.size() >= kMaxReportedLine) {
      out += "...";
      break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  return out;
}

// RAII for the two pipes and the spawn attributes.
struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct Outcome {
  std::string out, err;
  bool timed_out = false;
  bool too_large = false;
  int poll_errno = 0;  // poll() failed: the child was killed
  int status = 0;
};

// Reads both pipes until EOF, the deadline, or too much output; then reaps
// `pid` (killing its process group first unless it ended on its own).
Outcome Collect(pid_t pid, Fd& out_fd, Fd& err_fd, Clock::time_point deadline) {
  Outcome o;
  char buf[4096];
  while (out_fd.fd >= 0 || err_fd.fd >= 0) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      o.timed_out = true;
      break;
    }
    pollfd fds[2];
    Fd* owners[2];
    nfds_t n = 0;
    for (Fd* f : {&out_fd, &err_fd}) {
      if (f->fd < 0) continue;
      fds[n] = {f->fd, POLLIN, 0};
      owners[n++] = f;
    }
    int r =
        ::poll(fds, n, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno != EINTR) {
      o.poll_errno = errno;
      break;
    }
    for (nfds_t i = 0; r > 0 && i < n; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof(buf));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        owners[i]->Close();
        continue;
      }
      std::string& dst = owners[i] == &out_fd ? o.out : o.err;
      size_t cap = owners[i] == &out_fd ? kMaxStdout : kMaxStderr;
      if (dst.size() + got > cap) {
        if (owners[i] == &out_fd) o.too_large = true;
        dst.append(buf, cap - dst.size());
      } else {
        dst.append(buf, got);
      }
    }
    if (o.too_large) break;
  }
  if (o.timed_out || o.too_large || o.poll_errno != 0) ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &o.status, 0) < 0 && errno == EINTR) {
  }
  return o;
}

}  // namespace

Result<ExecCredential> ParseExecCredential(std::string_view json,
                                           std::string_view api_version) {
  try {
    nlohmann::json j = nlohmann::json::parse(json);
    if (!j.is_object()) return Malformed("output is not a JSON object");
    auto kind = j.find("kind");
    if (kind == j.end() || *kind != "ExecCredential") {
      return Malformed("kind is not ExecCredential");
    }
    auto version = j.find("apiVersion");
    if (version == j.end() || !version->is_string()) {
      return Malformed("apiVersion is missing");
    }
    if (!api_version.empty() && *version != api_version) {
      return Malformed("plugin returned apiVersion " +
                       version->get<std::string>() + ", configured " +
                       std::string(api_version));
    }
    auto status = j.find("status");
    if (status == j.end() || !status->is_object()) {
      return Malformed("status is missing");
    }
    ExecCredential cred;
    const std::pair<const char*, std::string*> fields[] = {
        {"token", &cred.token},
        {"clientCertificateData", &cred.client_certificate_pem},
        {"clientKeyData", &cred.client_key_pem}};
    for (auto [field, dst] : fields) {
      auto it = status->find(field);
      if (it == status->end() || it->is_null()) continue;
      if (!it->is_string()) {
        return Malformed(std::string("status.") + field + " is not a string");
      }
      *dst = it->get<std::string>();
    }
    if (cred.client_certificate_pem.empty() != cred.client_key_pem.empty()) {
      return Malformed(
          "status has only one of clientCertificateData and clientKeyData");
    }
    if (cred.token.empty() && cred.client_certificate_pem.empty()) {
      return Malformed("status has neither a token nor a client certificate");
    }
    if (!cred.client_certificate_pem.empty() &&
        (!HasPemBlock(cred.client_certificate_pem) ||
         !HasPemBlock(cred.client_key_pem))) {
      return Malformed(
          "status.clientCertificateData or clientKeyData is not PEM");
    }
    auto exp = status->find("expirationTimestamp");
    if (exp != status->end() && !exp->is_null()) {
      std::optional<std::chrono::system_clock::time_point> t;
      if (exp->is_string())
        t = ParseRfc3339(exp->get_ref<const std::string&>());
      if (!t) return Malformed("status.expirationTimestamp is not RFC 3339");
      cred.expiration = t;
    }
    return cred;
  } catch (const nlohmann::json::exception&) {
    // e.what() may quote the input (a token): never pass it on.
    return Malformed("output is not valid JSON");
  }
}

namespace {

// The plugin's environment: ours, minus what the config sets, plus the
// config's variables and KUBERNETES_EXEC_INFO (non-interactive).
std::vector<std::string> PluginEnvironment(const ExecConfig& config) {
  std::set<std::string, std::less<>> replaced{"KUBERNETES_EXEC_INFO"};
  for (const auto& [name, value] : config.env) replaced.insert(name);
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!replaced.contains(entry.substr(0, entry.find('=')))) {
      env.emplace_back(entry);
    }
  }
  for (const auto& [name, value] : config.env)
    env.push_back(name + "=" + value);
  nlohmann::json info = {{"apiVersion", config.api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  env.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  return env;
}

// Starts the plugin in a process group of its own, stdin /dev/null, default
// signal handling; returns its pid, `out` and `err` the read ends of its
// stdout and stderr. kNotFound / kPermissionDenied / kInternal naming `who`.
Result<pid_t> SpawnPlugin(const ExecConfig& config, const std::string& who,
                          Fd& out, Fd& err) {
  std::vector<std::string> argv_s{config.command};
  argv_s.insert(argv_s.end(), config.args.begin(), config.args.end());
  std::vector<std::string> env_s = PluginEnvironment(config);
  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  for (auto& s : env_s) envp.push_back(s.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kInternal,
                     who + ": pipe: " + std::strerror(errno));
  }
  out.fd = out_pipe[0];
  Fd out_w{out_pipe[1]};
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kInternal,
                     who + ": pipe: " + std::strerror(errno));
  }
  err.fd = err_pipe[0];
  Fd err_w{err_pipe[1]};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
                                      POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  pid_t pid = -1;
  int rc =
      ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == ENOENT) {
    return MakeError(
        ErrorCode::kNotFound,
        who + " not found" +
            (config.command.find('/') == std::string::npos ? " in PATH" : ""));
  }
  if (rc == EACCES) {
    return MakeError(ErrorCode::kPermissionDenied, who + " is not executable");
  }
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     who + ": could not start: " + std::strerror(rc));
  }
  return pid;
}

// What the plugin's run means: the credential if it exited 0 with one,
// else an error naming `who` with the first stderr line, anything secret
// (its token or key, the config's longer env values) blanked out.
Result<ExecCredential> Verdict(const ExecConfig& config, const Outcome& o,
                               const std::string& who,
                               std::chrono::milliseconds timeout) {
  if (o.timed_out) {
    return MakeError(ErrorCode::kDeadlineExceeded,
                     who + ": no credential after " +
                         std::to_string(timeout.count()) + " ms");
  }
  if (o.poll_errno != 0) {
    return MakeError(ErrorCode::kInternal,
                     who + ": poll: " + std::strerror(o.poll_errno));
  }
  if (o.too_large) {
    return std::unexpected(Malformed("output is larger than " +
                                     std::to_string(kMaxStdout) + " bytes")
                               .error()
                               .Wrap(who));
  }
  auto parsed = ParseExecCredential(o.out, config.api_version);
  if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) {
    if (!parsed) return std::unexpected(parsed.error().Wrap(who));
    return parsed;
  }
  std::vector<std::string> secrets;
  if (parsed) secrets = {parsed->token, parsed->client_key_pem};
  for (const auto& [name, value] : config.env) {
    if (value.size() >= 8) secrets.push_back(value);
  }
  std::string line = FirstLine(o.err, secrets);
  std::string why =
      WIFEXITED(o.status)
          ? "exit status " + std::to_string(WEXITSTATUS(o.status))
          : "killed by signal " + std::to_string(WTERMSIG(o.status));
  return MakeError(ErrorCode::kUnauthenticated,
                   who + " failed: " + why + (line.empty() ? "" : ": " + line));
}

}  // namespace

Result<ExecCredential> RunExecPlugin(const ExecConfig& config,
                                     std::chrono::milliseconds timeout) {
  const std::string who = "exec plugin \"" + config.command + "\"";
  if (config.command.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "exec plugin: no command");
  }
  Fd out, err;
  auto pid = SpawnPlugin(config, who, out, err);
  if (!pid) return std::unexpected(pid.error());
  Outcome o = Collect(*pid, out, err, Clock::now() + timeout);
  return Verdict(config, o, who, timeout);
}

}  // namespace sealsync::kube
