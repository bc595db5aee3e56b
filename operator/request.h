// A Request names one object for a reconciler: what the work queues carry
// (controller-runtime's reconcile.Request). The queues (lib/kube/work_queue.h)
// hold strings, so a Request travels as its Key(); FromKey() is the only
// place that reads one back.
#pragma once

#include <string>
#include <string_view>

namespace sealsync::op {

struct Request {
  // Set only where one queue serves several kinds (SecretStore and
  // ClusterSecretStore share the store queue); empty otherwise.
  std::string kind;
  std::string ns;  // empty for cluster-scoped objects
  std::string name;

  // The store key: "ns/name", or "name" for cluster-scoped objects.
  std::string StoreKey() const { return ns.empty() ? name : ns + "/" + name; }
  // The queue key: StoreKey(), prefixed "Kind|" when kind is set.
  std::string Key() const {
    return kind.empty() ? StoreKey() : kind + "|" + StoreKey();
  }
  // Inverse of Key(). Never fails: a key without '/' is cluster-scoped.
  static Request FromKey(std::string_view key);
  // Inverse of StoreKey() (no kind).
  static Request FromStoreKey(std::string_view key) {
    Request r;
    size_t slash = key.find('/');
    if (slash == std::string_view::npos) {
      r.name = std::string(key);
    } else {
      r.ns = std::string(key.substr(0, slash));
      r.name = std::string(key.substr(slash + 1));
    }
    return r;
  }
  bool operator==(const Request&) const = default;
  bool operator<(const Request& o) const { return Key() < o.Key(); }
};

inline Request Request::FromKey(std::string_view key) {
  size_t bar = key.find('|');
  if (bar == std::string_view::npos) return FromStoreKey(key);
  Request r = FromStoreKey(key.substr(bar + 1));
  r.kind = std::string(key.substr(0, bar));
  return r;
}

}  // namespace sealsync::op
