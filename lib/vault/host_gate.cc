#include "lib/vault/host_gate.h"

#include <charconv>

namespace sealsync::vault {
namespace {

// Whole seconds left, rounded up, at least 1.
long long SecondsLeft(Clock::TimePoint until, Clock::TimePoint now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
  return std::max<long long>(1, (ms.count() + 999) / 1000);
}

}  // namespace

std::optional<Error> HostGate::Check(const std::string& host) const {
  std::lock_guard lock(mu_);
  auto it = closed_until_.find(host);
  if (it == closed_until_.end()) return std::nullopt;
  const auto now = clock_.Now();
  if (now >= it->second) return std::nullopt;
  return Error(ErrorCode::kResourceExhausted,
               "Infisical at " + host +
                   " is rate limiting this client (429); no request sent, "
                   "retry in " +
                   std::to_string(SecondsLeft(it->second, now)) + " s");
}

Error HostGate::Close(const std::string& host, std::chrono::seconds retry_after,
                      std::string_view what) {
  const auto now = clock_.Now();
  const auto until = now + std::max(retry_after, std::chrono::seconds(1));
  {
    std::lock_guard lock(mu_);
    auto& slot = closed_until_[host];
    slot = std::max(slot, until);
  }
  return Error(ErrorCode::kResourceExhausted,
               std::string(what) + ": rate limited by Infisical at " + host +
                   " (429); no calls to that host for " +
                   std::to_string(SecondsLeft(until, now)) + " s");
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  long long s = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), s);
  if (ec != std::errc() || end != value.data() + value.size() || s < 0)
    return std::nullopt;
  // Bound absurd values: an hour is longer than any Infisical window.
  return std::chrono::seconds(std::min<long long>(s, 3600));
}

}  // namespace sealsync::vault
