#include "lib/kube/store.h"

namespace sealsync::kube {

std::string KeyOf(const Json& obj) {
  const Json& m = obj.at("metadata");
  std::string name = m.value("name", "");
  std::string ns = m.value("namespace", "");
  return ns.empty() ? name : ns + "/" + name;
}

ObjectKey SplitKey(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

void Store::Upsert(Json obj) {
  std::string key = KeyOf(obj);
  auto ptr = std::make_shared<const Json>(std::move(obj));
  std::lock_guard<std::mutex> lock(mu_);
  objects_[key] = std::move(ptr);
}

void Store::Remove(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  objects_.erase(key);
}

std::vector<std::string> Store::Replace(std::vector<Json> objects,
                                        const std::string& ns) {
  std::map<std::string, ObjectPtr> fresh;
  for (Json& o : objects) {
    std::string key = KeyOf(o);
    fresh[key] = std::make_shared<const Json>(std::move(o));
  }
  auto in_scope = [&ns](const std::string& key) {
    return ns.empty() || SplitKey(key).ns == ns;
  };
  std::vector<std::string> gone;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = objects_.begin(); it != objects_.end();) {
    if (in_scope(it->first) && !fresh.contains(it->first)) {
      gone.push_back(it->first);
      it = objects_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, obj] : fresh) objects_[key] = std::move(obj);
  synced_.insert(ns);
  return gone;
}

void Store::MarkSynced(const std::string& ns) {
  std::lock_guard<std::mutex> lock(mu_);
  synced_.insert(ns);
}

ObjectPtr Store::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [_, o] : objects_) out.push_back(o);
  return out;
}

std::vector<std::string> Store::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, _] : objects_) out.push_back(k);
  return out;
}

size_t Store::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

bool Store::HasSynced() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(synced_.size()) >= watchers_;
}

}  // namespace sealsync::kube
