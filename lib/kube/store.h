// A Store is the watcher's cache of one resource kind: objects by
// "namespace/name" key. Writers are the Watcher; readers are workers, who
// get shared immutable snapshots of objects. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
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
  // Replaces the whole content (after a list); returns the keys that were
  // present before and are gone now.
  std::vector<std::string> Replace(std::vector<Json> objects);

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> Keys() const;
  size_t Size() const;

  // True once the first full list has been stored.
  bool HasSynced() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr> objects_;
  bool synced_ = false;
};

}  // namespace sealsync::kube
