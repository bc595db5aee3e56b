#include "operator/force_sync.h"

#include <algorithm>

namespace sealsync::op {

Clock::TimePoint ForceSyncWindows::NotBefore(const std::string& token) {
  const auto now = clock_.Now();
  if (token.empty()) return now;
  std::lock_guard lock(mu_);
  std::erase_if(first_seen_,
                [&](const auto& e) { return now - e.second > kTokenLife; });
  auto it = first_seen_.find(token);
  if (it == first_seen_.end()) {
    if (first_seen_.size() >= kMaxTokens) {
      auto oldest = std::min_element(
          first_seen_.begin(), first_seen_.end(),
          [](const auto& a, const auto& b) { return a.second < b.second; });
      first_seen_.erase(oldest);
    }
    first_seen_.emplace(token, now);
    return now;
  }
  return it->second;
}

}  // namespace sealsync::op
