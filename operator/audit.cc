#include "operator/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "lib/base/time_format.h"
#include "operator/http_server.h"

namespace sealsync::op {
namespace {

constexpr size_t kMaxHeader = 256;

std::string Header(const HttpRequestView& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second.substr(0, kMaxHeader);
}

}  // namespace

AuditCaller ApiCaller(const HttpRequestView& request) {
  return {"api", request.remote_address, Header(request, "x-forwarded-for"),
          Header(request, "x-forwarded-uri"), Header(request, "x-remote-user")};
}

void SetFailure(AuditEvent& event, const Error& error) {
  event.ok = false;
  event.reason = error.reason().empty()
                     ? std::string(ErrorCodeName(error.code()))
                     : error.reason();
  event.error = error.message();
}

AuditLog::AuditLog(Registry& metrics, const Clock& clock)
    : events_(metrics.AddCounter(
          "sealsync_audit_events_total",
          "Audited operations (decrypt, vault-fetch, key-create, key-import, "
          "rewrap, verify) by outcome.",
          {"action", "outcome"})),
      clock_(clock) {}

AuditLog::~AuditLog() {
  if (owned_ && out_ != nullptr) fclose(out_);
}

Result<void> AuditLog::Open(const std::string& target) {
  std::lock_guard lock(mu_);
  if (target.empty()) return {};
  if (target == "stderr") {
    out_ = stderr;
    return {};
  }
  int fd =
      open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  FILE* f = fd < 0 ? nullptr : fdopen(fd, "a");
  if (f == nullptr) {
    int err = errno;
    if (fd >= 0) close(fd);
    return std::unexpected(
        Error(ErrorCode::kUnavailable,
              "cannot open audit log " + target + ": " + std::strerror(err)));
  }
  out_ = f;
  owned_ = true;
  return {};
}

std::string AuditLog::Format(const AuditEvent& e,
                             std::chrono::system_clock::time_point when) {
  nlohmann::ordered_json j;
  j["ts"] = FormatRfc3339(when, true);
  j["audit"] = "sealsync";
  j["action"] = std::string(e.action);
  j["outcome"] = e.ok ? "success" : "failure";
  if (!e.object.empty()) j["object"] = e.object;
  if (!e.key_ids.empty()) j["keyIds"] = e.key_ids;
  if (!e.vault_path.empty()) j["vaultPath"] = e.vault_path;
  if (!e.reason.empty()) j["reason"] = e.reason;
  if (!e.error.empty()) j["error"] = e.error;
  nlohmann::ordered_json c;
  c["kind"] = e.caller.kind;
  if (!e.caller.address.empty()) c["address"] = e.caller.address;
  if (!e.caller.forwarded_for.empty())
    c["forwardedFor"] = e.caller.forwarded_for;
  if (!e.caller.forwarded_uri.empty())
    c["forwardedUri"] = e.caller.forwarded_uri;
  if (!e.caller.user.empty()) c["user"] = e.caller.user;
  j["caller"] = std::move(c);
  return j.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace);
}

void AuditLog::Record(const AuditEvent& event) {
  events_.Inc({std::string(event.action), event.ok ? "success" : "failure"});
  std::lock_guard lock(mu_);
  if (out_ == nullptr) return;
  std::string line = Format(event, clock_.WallNow()) + "\n";
  fwrite(line.data(), 1, line.size(), out_);
  fflush(out_);
}

}  // namespace sealsync::op
