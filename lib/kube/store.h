// A Store is the watchers' cache of one resource kind: objects by
// "namespace/name" key. Writers are Watchers — one for all namespaces, or one
// per watched namespace, each replacing only its own namespace's objects;
// readers are workers, who get shared immutable snapshots. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sealsync/kube.h"

namespace sealsync::kube {

using ObjectPtr = std::shared_ptr<const Json>;

// "ns/name", or "name" for cluster-scoped objects.
std::string KeyOf(const Json& obj);
ObjectKey SplitKey(const std::string& key);

class Store {
 public:
  // Inserts or replaces the object under its key.
  void Upsert(Json obj);
  void Remove(const std::string& key);
  // `watchers` is how many watchers fill this Store (HasSynced waits for
  // each of them to list once).
  explicit Store(int watchers = 1) : watchers_(watchers) {}

  // Replaces the content listed by one watcher: every object of namespace
  // `ns` ("" = all namespaces). Returns the keys that were present before
  // and are gone now.
  std::vector<std::string> Replace(std::vector<Json> objects,
                                   const std::string& ns = "");

  // Records that the watcher of namespace `ns` has stored its first full
  // list object by object (Upsert), without a Replace.
  void MarkSynced(const std::string& ns = "");

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> Keys() const;
  size_t Size() const;

  // True once every watcher has stored its first full list.
  bool HasSynced() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr> objects_;
  int watchers_;
  std::set<std::string> synced_;  // namespaces listed at least once
};

}  // namespace sealsync::kube
