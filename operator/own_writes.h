// Which watch events only echo the operator's own writes.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "lib/kube/store.h"
#include "sealsync/clock.h"

namespace sealsync::op {

// OwnWrites remembers the resourceVersion the API server gave each object
// the operator just wrote. The watch event carrying that object at that
// version echoes a change the reconcile that made it has already seen, so
// it need not queue another pass (1,000 created Secrets were 1,000 extra
// passes that found nothing to do). Any other change of the object, a
// tenant's edit included, has another resourceVersion and passes.
//
// The echo often arrives before the write's answer is read. A write is
// therefore announced (Start) before it is sent: until it ends, the events
// of its object are held (IsEcho says true and keeps their versions); when
// it ends, a held version that is not the write's own is released, i.e.
// handed to `release` (outside any lock) so its reconcile runs after all;
// a write that failed releases whatever was held. No event is ever lost:
// an in-flight write older than kLife (a bug: every Pending ends) releases
// what it held when pruned; two writes of one object at once (two
// ExternalSecrets sharing a Secret) hold nothing once the first ends.
//
// A consumed echo forgets its record; a record whose echo never came (an
// apply that changed nothing, a watch restart) is dropped after kLife.
// Thread-safe.
class OwnWrites {
 public:
  static constexpr std::chrono::seconds kLife{60};
  // Versions held per in-flight write; more release the object at the end.
  static constexpr size_t kMaxHeld = 8;
  using ReleaseFn = std::function<void(const std::string& key)>;

  // A write in flight; ends as Record(version) or, if never recorded
  // (failed, or nothing written), as a failed write on destruction.
  class Pending {
   public:
    Pending(OwnWrites* writes, std::string key);
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    ~Pending();
    // The write succeeded at `resource_version` (empty: unknown).
    void Record(const std::string& resource_version);

   private:
    OwnWrites* writes_;  // null: nothing tracked
    std::string key_;
    bool ended_ = false;
  };

  explicit OwnWrites(const Clock& clock, ReleaseFn release = nullptr)
      : clock_(clock), release_(std::move(release)) {}

  // Announces a write to `key` ("ns/name"); see Pending.
  [[nodiscard]] Pending Start(const std::string& key) { return {this, key}; }
  // True when `obj` (the object of a watch event for `key`) is at a
  // recorded version (once), or `key` has a write in flight (held).
  bool IsEcho(const std::string& key, const kube::ObjectPtr& obj);
  size_t Size() const;

 private:
  struct Entry {
    std::string version;  // empty while in flight
    Clock::TimePoint at;
    int writers = 0;        // writes in flight
    bool shared = false;    // a second write started while one was in flight
    bool overflow = false;  // more than kMaxHeld events held
    std::vector<std::string> held;
  };

  void Begin(const std::string& key);
  // Ends an in-flight write: at `resource_version`, or failed when nullopt.
  void End(const std::string& key, const std::string* resource_version);
  // Drops records older than kLife; returns the in-flight keys it dropped
  // that held events (to release).
  std::vector<std::string> PruneLocked(Clock::TimePoint now);
  void Release(const std::vector<std::string>& keys) const;

  const Clock& clock_;
  const ReleaseFn release_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> writes_;
  Clock::TimePoint last_prune_{};
};

}  // namespace sealsync::op
