#include "operator/change_filter.h"

namespace sealsync::op {

std::string Fingerprint(const kube::Json& obj) {
  if (!obj.is_object() || !obj.contains("metadata")) return "";
  const kube::Json& m = obj["metadata"];
  if (!m.is_object()) return "";
  kube::Json f = kube::Json::object();
  for (const char* field :
       {"uid", "generation", "labels", "annotations", "deletionTimestamp"}) {
    if (m.contains(field)) f[field] = m[field];
  }
  return f.dump();
}

bool ChangeFilter::Changed(kube::WatchEventType type, const std::string& key,
                           const kube::ObjectPtr& obj) {
  std::lock_guard<std::mutex> lock(mu_);
  if (type == kube::WatchEventType::kDeleted || !obj) {
    fingerprints_.erase(key);
    return true;
  }
  std::string f = Fingerprint(*obj);
  auto [it, inserted] = fingerprints_.try_emplace(key, f);
  if (inserted) return true;
  bool changed = it->second != f;
  it->second = std::move(f);
  return changed || type != kube::WatchEventType::kModified;
}

size_t ChangeFilter::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fingerprints_.size();
}

}  // namespace sealsync::op
