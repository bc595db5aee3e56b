// Which watch events are worth a reconcile.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "lib/kube/store.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// A ChangeFilter remembers, per object key, a fingerprint of what a reconcile
// of that object reads from it: uid, metadata.generation (bumped by every
// spec change), labels, annotations and deletionTimestamp — everything but
// status and bookkeeping. A MODIFIED event with the same fingerprint is a
// status-only write (usually the operator's own) and needs no reconcile; the
// level-based reconcile that wrote it already saw this spec. ADDED events
// (and the relists that report every object as added) always pass.
// Thread-safe: watchers of several namespaces may share one filter.
class ChangeFilter {
 public:
  // Records the object's fingerprint; true if the event should be queued.
  bool Changed(kube::WatchEventType type, const std::string& key,
               const kube::ObjectPtr& obj);

  size_t Size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> fingerprints_;
};

// The fingerprint itself (exposed for tests).
std::string Fingerprint(const kube::Json& obj);

}  // namespace sealsync::op
