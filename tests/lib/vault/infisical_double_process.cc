#include "tests/lib/vault/infisical_double_process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <vector>

extern char** environ;

namespace sealsync::testing {
namespace {

namespace fs = std::filesystem;

size_t Append(char* p, size_t s, size_t n, void* ud) {
  static_cast<std::string*>(ud)->append(p, s * n);
  return s * n;
}

}  // namespace

std::string InfisicalDouble::Binary() { return INFISICAL_DOUBLE_BINARY; }

bool InfisicalDouble::Available() { return fs::exists(Binary()); }

InfisicalDouble::InfisicalDouble() { Start({}); }

InfisicalDouble::InfisicalDouble(const std::string& cert_file,
                                 const std::string& key_file)
    : tls_cert_(cert_file) {
  Start({"--tls-cert", cert_file, "--tls-key", key_file});
}

void InfisicalDouble::Start(const std::vector<std::string>& extra) {
  static std::atomic<int> counter{0};
  log_path_ = (fs::temp_directory_path() /
               ("vault-test-double-" + std::to_string(getpid()) + "-" +
                std::to_string(counter++) + ".log"))
                  .string();
  int out[2], in[2];
  if (pipe(out) != 0) return;
  if (pipe(in) != 0) {
    close(out[0]);
    close(out[1]);
    return;
  }
  std::vector<std::string> args = {
      Binary(),
      "--seed",
      std::string(SEALSYNC_TESTDATA) + "/infisical/seed.json",
      "--port",
      "0",
      "--exit-on-stdin-eof"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  stdin_w_ = in[1];
  fcntl(stdin_w_, F_SETFD, FD_CLOEXEC);
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (pid_ > 0 && line.find('\n') == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c[256];
    ssize_t n = read(out[0], c, sizeof c);
    if (n <= 0) break;
    line.append(c, static_cast<size_t>(n));
  }
  close(out[0]);
  first_line_ = line.substr(0, line.find('\n'));
  const std::string prefix = "listening on 127.0.0.1:";
  if (first_line_.starts_with(prefix))
    port_ = std::stoi(first_line_.substr(prefix.size()));
}

InfisicalDouble::~InfisicalDouble() {
  if (stdin_w_ >= 0) close(stdin_w_);
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int st;
    waitpid(pid_, &st, 0);
  }
  std::error_code ec;
  fs::remove(log_path_, ec);
}

std::string InfisicalDouble::api_base() const {
  return std::string(tls_cert_.empty() ? "http" : "https") +
         "://127.0.0.1:" + std::to_string(port_) + "/api";
}

nlohmann::json InfisicalDouble::Control(const std::string& path,
                                        const nlohmann::json& body) {
  std::string url = std::string(tls_cert_.empty() ? "http" : "https") +
                    "://127.0.0.1:" + std::to_string(port_) + "/__control/" +
                    path;
  std::string payload = body.is_null() ? "" : body.dump(), out;
  CURL* c = curl_easy_init();
  curl_slist* hs = curl_slist_append(nullptr, "content-type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
  if (!body.is_null()) curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
  if (!tls_cert_.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, tls_cert_.c_str());
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK || status != 200) return nullptr;
  return nlohmann::json::parse(out, nullptr, false);
}

long long InfisicalDouble::Calls(const std::string& endpoint) {
  auto j = Control("calls");
  if (!j.is_object()) return -1;
  if (endpoint == "total") return j.value("total", -1LL);
  return j[endpoint].value("calls", -1LL);
}

long long InfisicalDouble::CallsWithStatus(const std::string& endpoint,
                                           int status) {
  auto j = Control("calls");
  if (!j.is_object()) return -1;
  return j[endpoint]["by_status"].value(std::to_string(status), 0LL);
}

void InfisicalDouble::AdvanceClock(double seconds) {
  Control("clock", {{"advance_seconds", seconds}});
}

}  // namespace sealsync::testing
