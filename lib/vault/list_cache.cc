#include "lib/vault/list_cache.h"

#include <condition_variable>
#include <exception>
#include <optional>

namespace sealsync::vault {

struct ListCache::Entry {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<const SecretList> list;
  std::string etag;
  bool in_flight = false;
  uint64_t flights = 0;
  std::optional<Result<std::shared_ptr<const SecretList>>> last;  // for waiters
};

Result<std::shared_ptr<const SecretList>> ListCache::Get(
    const Key& key, std::chrono::milliseconds max_age, const Fetch& fetch,
    std::atomic<uint64_t>& shared) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (!slot) slot = std::make_shared<Entry>();
    e = slot;
  }
  std::unique_lock lk(e->mu);
  if (e->list && clock_.Now() - e->list->fetched < max_age) {
    ++shared;
    return e->list;
  }
  if (e->in_flight) {
    const uint64_t flight = e->flights;
    e->cv.wait(lk, [&] { return e->flights != flight; });
    if (*e->last) ++shared;
    return *e->last;
  }
  e->in_flight = true;
  const auto cached = e->list;
  const std::string etag = e->etag;
  lk.unlock();
  Result<Fetched> r = MakeError(ErrorCode::kInternal, "list fetch did not run");
  try {
    r = fetch(cached, etag);
  } catch (const std::exception&) {  // what() could quote a body
    r = MakeError(ErrorCode::kInternal,
                  "listing " + key.scope.ToString() + " failed unexpectedly");
  }
  lk.lock();
  e->in_flight = false;
  ++e->flights;
  if (r) {
    e->list = r->list;
    e->etag = r->etag;
    e->last = e->list;
  } else {
    e->last = std::unexpected(r.error());
  }
  e->cv.notify_all();
  return *e->last;
}

}  // namespace sealsync::vault
