// ListCache: the last list of each (host, client id, scope) with its ETag,
// and single flight: callers for whom the last fetch is fresh enough
// (Freshness: younger than max_age, and requested at or after a forced
// sync's moment) share it, and callers arriving while a fetch runs wait for
// it and share its outcome (errors included; errors are not kept past that).
// A forced caller never shares a fetch whose request left before its moment:
// it waits for that one to end and then fetches (or joins the next), so N
// forced syncs of one moment cost exactly one fetch, whatever their timing.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "sealsync/clock.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

// Thread-safe. Entries live as long as the cache (one per configured scope).
class ListCache {
 public:
  struct Key {
    std::string host_api, client_id;
    SecretScope scope;
    bool operator<(const Key& o) const {
      return std::tie(host_api, client_id, scope) <
             std::tie(o.host_api, o.client_id, o.scope);
    }
  };
  // Fetches afresh given the cached list and its ETag (both empty the first
  // time); returns the new list (the cached one, re-dated, on 304) and ETag.
  struct Fetched {
    std::shared_ptr<const SecretList> list;
    std::string etag;
  };
  using Fetch = std::function<Result<Fetched>(
      const std::shared_ptr<const SecretList>& cached,
      const std::string& etag)>;

  explicit ListCache(const Clock& clock) : clock_(clock) {}

  // The list for `key`: the cached one if fresh enough, the in-flight
  // fetch's outcome if one runs that was requested early enough, else
  // `fetch`'s. `shared` is incremented when this call did not fetch and got
  // a list.
  Result<std::shared_ptr<const SecretList>> Get(const Key& key,
                                                const Freshness& fresh,
                                                const Fetch& fetch,
                                                std::atomic<uint64_t>& shared);

 private:
  struct Entry;
  const Clock& clock_;
  std::mutex mu_;
  std::map<Key, std::shared_ptr<Entry>> entries_;
};

}  // namespace sealsync::vault
