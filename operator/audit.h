// The audit trail: one JSON line per security-relevant operation (a decrypt,
// a vault fetch, a key created or imported, an API rewrap or verify), naming
// the object, the keys or vault path, the outcome, the caller and the time,
// never a value. Written to its own stream (--audit-log FILE|stderr) and
// counted in sealsync_audit_events_total{action,outcome} whether written or
// not. The line format (keys in this order, absent when empty):
//
//   {"ts":"2026-12-07T16:00:00.123456Z","audit":"sealsync","action":"decrypt",
//    "outcome":"success","object":"SealedSecret team-a/db",
//    "keyIds":["0123456789abcdef"],"vaultPath":"...","reason":"...",
//    "error":"...","caller":{"kind":"api","address":"10.0.0.7",
//    "forwardedFor":"192.0.2.1","forwardedUri":"...","user":"..."}}
//
// Error messages are the operator's own Errors, which never carry values
// (error.h); nothing else free-form is written.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/metrics.h"
#include "sealsync/clock.h"
#include "sealsync/error.h"

namespace sealsync::op {

struct HttpRequestView;

// Actions, as written and as the metric's label.
namespace audit {
inline constexpr std::string_view kDecrypt = "decrypt";
inline constexpr std::string_view kVaultFetch = "vault-fetch";
inline constexpr std::string_view kKeyCreate = "key-create";
inline constexpr std::string_view kKeyImport = "key-import";
inline constexpr std::string_view kRewrap = "rewrap";
inline constexpr std::string_view kVerify = "verify";
}  // namespace audit

// Who asked. The controller acts for the object's owner; an API call comes
// from `address`. Through the API server's service proxy the peer is the API
// server, which adds X-Forwarded-For (the client it served), and
// X-Forwarded-Uri; a user name is recorded only from X-Remote-User, which an
// authenticating proxy in front may set. Forwarded values are what the
// request claims: only the address is known.
struct AuditCaller {
  std::string kind = "controller";  // controller | api
  std::string address;
  std::string forwarded_for;
  std::string forwarded_uri;
  std::string user;
};

// The caller of an API request (headers are read, capped at 256 bytes each).
AuditCaller ApiCaller(const HttpRequestView& request);

struct AuditEvent {
  explicit AuditEvent(std::string_view a, std::string obj = "")
      : action(a), object(std::move(obj)) {}
  std::string_view action;  // one of audit::k*
  bool ok = true;           // outcome "success", else "failure"
  std::string object;       // "SealedSecret team-a/db", "Secret ns/name"
  std::vector<std::string> key_ids;
  std::string vault_path;  // "https://host project/env:/path"
  std::string reason;      // failure reason (condition reason or error code)
  std::string error;       // the Error's message (never a value)
  AuditCaller caller;
};

// Thread-safe. Lines are written whole (one write per line, flushed).
class AuditLog {
 public:
  // Writes nothing; counts.
  AuditLog(Registry& metrics, const Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // `target`: "" (count only), "stderr", or a file opened for appending
  // (created 0600). kUnavailable "cannot open audit log FILE: ...".
  Result<void> Open(const std::string& target);

  void Record(const AuditEvent& event);

  // The line Record writes for `event` at `when` (no newline).
  static std::string Format(const AuditEvent& event,
                            std::chrono::system_clock::time_point when);

 private:
  Counter& events_;
  const Clock& clock_;
  std::mutex mu_;
  FILE* out_ = nullptr;  // guarded by mu_
  bool owned_ = false;
};

// Null-safe hook for call sites: records when `log` is set.
inline void Audit(AuditLog* log, const AuditEvent& event) {
  if (log != nullptr) log->Record(event);
}

// The failure fields of an Error: its reason (or code name) and message.
void SetFailure(AuditEvent& event, const Error& error);

}  // namespace sealsync::op
