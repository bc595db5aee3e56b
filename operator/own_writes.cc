#include "operator/own_writes.h"

#include <algorithm>

namespace sealsync::op {

OwnWrites::Pending::Pending(OwnWrites* writes, std::string key)
    : writes_(writes), key_(std::move(key)) {
  if (writes_ != nullptr) writes_->Begin(key_);
}

OwnWrites::Pending::~Pending() {
  if (writes_ != nullptr && !ended_) writes_->End(key_, nullptr);
}

void OwnWrites::Pending::Record(const std::string& resource_version) {
  if (writes_ == nullptr || ended_) return;
  ended_ = true;
  writes_->End(key_, &resource_version);
}

// On an object with a write in flight, a second one makes it shared: the
// first write to end drops the entry.
void OwnWrites::Begin(const std::string& key) {
  const auto now = clock_.Now();
  std::vector<std::string> released;
  {
    std::lock_guard<std::mutex> lock(mu_);
    released = PruneLocked(now);
    Entry& e = writes_[key];
    if (e.writers > 0) {
      e.shared = true;
    } else {
      e = Entry{};
      e.at = now;
    }
    ++e.writers;
  }
  Release(released);
}

void OwnWrites::End(const std::string& key,
                    const std::string* resource_version) {
  bool release = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = writes_.find(key);
    if (it == writes_.end() || it->second.writers == 0) return;  // pruned
    Entry& e = it->second;
    const bool ok = resource_version != nullptr && !resource_version->empty();
    release = e.overflow;
    for (const auto& v : e.held) {
      if (!ok || v != *resource_version) release = true;
    }
    const bool echo_seen = ok && std::find(e.held.begin(), e.held.end(),
                                           *resource_version) != e.held.end();
    if (e.shared || !ok || echo_seen) {
      // Shared: the other write's events are no longer held, they pass;
      // failed, or the echo already held: nothing left to wait for.
      writes_.erase(it);
    } else {
      e = Entry{};  // await the echo
      e.version = *resource_version;
      e.at = clock_.Now();
    }
  }
  if (release) Release({key});
}

bool OwnWrites::IsEcho(const std::string& key, const kube::ObjectPtr& obj) {
  if (!obj || !obj->is_object() || !obj->contains("metadata")) return false;
  const kube::Json& meta = (*obj)["metadata"];
  if (!meta.is_object()) return false;
  auto rv = meta.find("resourceVersion");
  if (rv == meta.end() || !rv->is_string()) return false;
  const auto& version = rv->get_ref<const std::string&>();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = writes_.find(key);
  if (it == writes_.end()) return false;
  Entry& e = it->second;
  if (e.writers > 0) {
    if (e.shared) return false;  // two writers: nothing is held
    if (e.held.size() < kMaxHeld) {
      e.held.push_back(version);
    } else {
      e.overflow = true;
    }
    return true;
  }
  // Another version: someone else's change after ours (ours was seen or
  // missed), which the reconcile must see; our record is done either way.
  bool echo = e.version == version;
  writes_.erase(it);
  return echo;
}

size_t OwnWrites::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_.size();
}

// At most once per kLife, drops the records older than kLife: the map holds
// the writes of the last two minutes at most.
std::vector<std::string> OwnWrites::PruneLocked(Clock::TimePoint now) {
  std::vector<std::string> released;
  if (now - last_prune_ < kLife) return released;
  last_prune_ = now;
  for (auto it = writes_.begin(); it != writes_.end();) {
    if (now - it->second.at < kLife) {
      ++it;
      continue;
    }
    if (!it->second.held.empty() || it->second.overflow)
      released.push_back(it->first);
    it = writes_.erase(it);
  }
  return released;
}

void OwnWrites::Release(const std::vector<std::string>& keys) const {
  if (!release_) return;
  for (const auto& k : keys) release_(k);
}

}  // namespace sealsync::op
