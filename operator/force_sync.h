// Forced syncs that share the vault's list (issue: a force-sync annotation on
// 1,000 objects made ~1,000 list calls). A forced sync must not use a list
// fetched before the sync was asked for; but every object annotated with the
// same force-sync value belongs to one request, so a list fetched since that
// value was first seen serves them all: one list per scope for one
// `kubectl annotate ... sealsync.dev/force-sync=$(date +%s)` over any number
// of objects. "Since" is exact: the vault client compares the moment a list's
// request left with the value's first sight (vault::Freshness), so neither a
// forced sync that queued long nor a list still in flight makes a second
// list (it once did: a millisecond-rounded max age and a strict comparison
// let a later sync see the shared list as too old, 1-2 lists per 1,000), and
// a list requested before the first sight is never shared with the force.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "sealsync/clock.h"

namespace sealsync::op {

// A `ForceSyncWindows` remembers when each force-sync value was first seen
// (at most kMaxTokens, for kTokenLife; the oldest go first). Thread-safe.
class ForceSyncWindows {
 public:
  static constexpr size_t kMaxTokens = 1024;
  static constexpr std::chrono::minutes kTokenLife{10};

  explicit ForceSyncWindows(const Clock& clock) : clock_(clock) {}

  // The oldest fetch time a forced sync with force-sync value `token` may
  // use: when `token` was first seen (now, the first time). An empty token
  // (a change other than the annotation) gets now: read afresh.
  Clock::TimePoint NotBefore(const std::string& token);

 private:
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Clock::TimePoint> first_seen_;
};

}  // namespace sealsync::op
