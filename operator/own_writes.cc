#include "operator/own_writes.h"

namespace sealsync::op {

void OwnWrites::Record(const std::string& key,
                       const std::string& resource_version) {
  if (resource_version.empty()) return;
  const auto now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked(now);
  writes_[key] = {resource_version, now};
}

bool OwnWrites::IsEcho(const std::string& key, const kube::ObjectPtr& obj) {
  if (!obj || !obj->is_object() || !obj->contains("metadata")) return false;
  const kube::Json& meta = (*obj)["metadata"];
  if (!meta.is_object()) return false;
  auto rv = meta.find("resourceVersion");
  if (rv == meta.end() || !rv->is_string()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = writes_.find(key);
  if (it == writes_.end()) return false;
  // Another version: someone else's change after ours (ours was seen or
  // missed), which the reconcile must see; our record is done either way.
  bool echo = it->second.first == rv->get_ref<const std::string&>();
  writes_.erase(it);
  return echo;
}

size_t OwnWrites::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_.size();
}

// At most once per kLife, drops the records older than kLife: the map holds
// the writes of the last two minutes at most.
void OwnWrites::PruneLocked(Clock::TimePoint now) {
  if (now - last_prune_ < kLife) return;
  last_prune_ = now;
  for (auto it = writes_.begin(); it != writes_.end();) {
    it = now - it->second.second >= kLife ? writes_.erase(it) : std::next(it);
  }
}

}  // namespace sealsync::op
