// Which watch events only echo the operator's own writes.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "lib/kube/store.h"
#include "sealsync/clock.h"

namespace sealsync::op {

// OwnWrites remembers the resourceVersion the API server gave each object
// the operator just wrote. The watch event carrying that object at that
// version echoes a change the reconcile that made it has already seen, so
// it need not queue another pass (1,000 created Secrets were 1,000 extra
// passes that found nothing to do). Any other change of the object, a
// tenant's edit included, has another resourceVersion and passes. A
// consumed echo forgets its record; a record whose echo never came (the
// echo arrived before it was recorded, or a watch restarted) is dropped
// after kLife. Thread-safe.
class OwnWrites {
 public:
  static constexpr std::chrono::seconds kLife{60};

  explicit OwnWrites(const Clock& clock) : clock_(clock) {}

  // Records that the operator wrote `key` ("ns/name") at `resource_version`.
  void Record(const std::string& key, const std::string& resource_version);
  // True, once, when `obj` (the object of a watch event for `key`) is at a
  // recorded version.
  bool IsEcho(const std::string& key, const kube::ObjectPtr& obj);
  size_t Size() const;

 private:
  void PruneLocked(Clock::TimePoint now);

  const Clock& clock_;
  mutable std::mutex mu_;
  // key -> (resourceVersion, when recorded)
  std::map<std::string, std::pair<std::string, Clock::TimePoint>> writes_;
  Clock::TimePoint last_prune_{};
};

}  // namespace sealsync::op
