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
  Clock::TimePoint list_requested{};  // when `list`'s request left
  bool in_flight = false;
  Clock::TimePoint flight_requested{};  // when the running fetch started
  uint64_t flights = 0;
  std::optional<Result<std::shared_ptr<const SecretList>>> last;  // for waiters
};

namespace {

// A fetch requested at `requested` may serve a caller wanting `fresh`.
bool RequestedInTime(Clock::TimePoint requested, const Freshness& fresh) {
  return !fresh.requested_after || requested >= *fresh.requested_after;
}

}  // namespace

Result<std::shared_ptr<const SecretList>> ListCache::Get(
    const Key& key, const Freshness& fresh, const Fetch& fetch,
    std::atomic<uint64_t>& shared) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (!slot) slot = std::make_shared<Entry>();
    e = slot;
  }
  std::unique_lock lk(e->mu);
  // Bounded: each pass either returns or waits for a flight that started
  // before this caller's moment; flights started after it are joined.
  for (;;) {
    if (e->list && clock_.Now() - e->list->fetched < fresh.max_age &&
        RequestedInTime(e->list_requested, fresh)) {
      ++shared;
      return e->list;
    }
    if (!e->in_flight) break;
    const uint64_t flight = e->flights;
    const bool join = RequestedInTime(e->flight_requested, fresh);
    e->cv.wait(lk, [&] { return e->flights != flight; });
    if (join) {
      if (*e->last) ++shared;
      return *e->last;
    }
    // That fetch left before this caller's moment: look again.
  }
  e->in_flight = true;
  e->flight_requested = clock_.Now();
  const auto requested = e->flight_requested;
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
    e->list_requested = requested;
    e->last = e->list;
  } else {
    e->last = std::unexpected(r.error());
  }
  e->cv.notify_all();
  return *e->last;
}

}  // namespace sealsync::vault
