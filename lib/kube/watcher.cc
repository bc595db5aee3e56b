#include "lib/kube/watcher.h"

#include <random>
#include <thread>

namespace sealsync::kube {
namespace {

constexpr int64_t kPageSize = 500;
// The first page of the first list is small: its objects reach the workers
// after a few milliseconds of listing instead of tens.
constexpr int64_t kFirstPageSize = 100;
constexpr std::chrono::milliseconds kBackoffMin{500};
constexpr std::chrono::milliseconds kBackoffMax{30000};

std::string VersionOf(const Json& obj) {
  const Json& m = obj.at("metadata");
  return m.value("resourceVersion", "");
}

// Drops metadata.managedFields: nothing of sealsync reads them, and for
// small objects (Secrets, SealedSecrets) they are up to half of the object,
// so the cache holds (and copies) much less.
void StripForCache(Json& obj) {
  if (obj.is_object() && obj.contains("metadata") &&
      obj["metadata"].is_object()) {
    obj["metadata"].erase("managedFields");
  }
}

}  // namespace

Watcher::Watcher(Client& client, Resource resource, std::string ns,
                 WatchOptions selectors, Store& store, EventFn on_event,
                 ErrorFn on_error)
    : client_(client),
      resource_(std::move(resource)),
      ns_(std::move(ns)),
      selectors_(std::move(selectors)),
      store_(store),
      on_event_(std::move(on_event)),
      on_error_(std::move(on_error)) {}

Result<void> Watcher::List() {
  ++lists_;
  ListOptions opts;
  opts.label_selector = selectors_.label_selector;
  opts.field_selector = selectors_.field_selector;
  opts.limit = kPageSize;
  // The first list fills an empty Store page by page, reporting each page's
  // objects as the page arrives (workers can start on page one while later
  // pages are on the way); a relist must see the whole list to know what
  // was deleted.
  const bool first = !filled_;
  if (first) opts.limit = kFirstPageSize;
  std::vector<Json> all;
  std::string version;
  do {
    auto page = client_.List(resource_, ns_, opts);
    if (!page) return std::unexpected(page.error());
    std::vector<std::string> keys;  // stored from this page (first list)
    for (Json& o : page->items) {
      StripForCache(o);
      if (first) {
        keys.push_back(KeyOf(o));
        filled_ = true;  // a failed page later leaves these: relist to fix
        store_.Upsert(std::move(o));
      } else {
        all.push_back(std::move(o));
      }
    }
    version = page->resource_version;
    opts.continue_token = page->continue_token;
    opts.limit = kPageSize;
    // The whole page is stored before any of it is reported, and the Store
    // counts as synced before the last page is reported.
    if (first && opts.continue_token.empty()) store_.MarkSynced(ns_);
    for (const auto& key : keys)
      on_event_(WatchEventType::kAdded, key, store_.Get(key));
  } while (!opts.continue_token.empty());
  resource_version_ = version;
  filled_ = true;
  if (first) return {};
  std::map<std::string, ObjectPtr> before;
  for (const auto& key : store_.Keys()) {
    if (ns_.empty() || SplitKey(key).ns == ns_) before[key] = store_.Get(key);
  }
  std::vector<std::string> gone = store_.Replace(std::move(all), ns_);
  for (const ObjectPtr& obj : store_.List()) {
    std::string key = KeyOf(*obj);
    if (!ns_.empty() && SplitKey(key).ns != ns_) continue;  // another watcher's
    auto it = before.find(key);
    if (it == before.end()) {
      on_event_(WatchEventType::kAdded, key, obj);
    } else if (VersionOf(*it->second) != VersionOf(*obj)) {
      on_event_(WatchEventType::kModified, key, obj);
    }
  }
  for (const auto& key : gone)
    on_event_(WatchEventType::kDeleted, key, before[key]);
  return {};
}

Result<void> Watcher::WatchOnce(const std::atomic<bool>& stop) {
  ++watches_;
  WatchOptions opts = selectors_;
  opts.resource_version = resource_version_;
  opts.allow_bookmarks = true;
  auto handler = [&](WatchEvent& ev) {
    // A pointer, not `cond ? obj["metadata"] : Json()`: that conditional is
    // a copy of the whole metadata (managedFields included) per event.
    const Json* meta =
        ev.object.contains("metadata") ? &ev.object["metadata"] : nullptr;
    if (meta != nullptr && meta->is_object() &&
        meta->contains("resourceVersion") &&
        (*meta)["resourceVersion"].is_string()) {
      resource_version_ = (*meta)["resourceVersion"].get<std::string>();
    }
    if (ev.type == WatchEventType::kBookmark) return !stop.load();
    std::string key = KeyOf(ev.object);
    if (ev.type == WatchEventType::kDeleted) {
      ObjectPtr last = std::make_shared<const Json>(ev.object);
      store_.Remove(key);
      on_event_(ev.type, key, last);
    } else {
      StripForCache(ev.object);
      store_.Upsert(std::move(ev.object));
      on_event_(ev.type, key, store_.Get(key));
    }
    return !stop.load();
  };
  return client_.Watch(resource_, ns_, opts, handler, &stop);
}

void Watcher::Sleep(std::chrono::milliseconds d,
                    const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Watcher::Run(const std::atomic<bool>& stop) {
  enum class State { kList, kWatch, kBackoff } state = State::kList;
  std::chrono::milliseconds backoff = kBackoffMin;
  std::mt19937 rng(std::random_device{}());
  bool listed = false;
  while (!stop.load()) {
    switch (state) {
      case State::kList: {
        auto r = List();
        if (!r) {
          if (on_error_) on_error_(r.error());
          state = State::kBackoff;
          break;
        }
        listed = true;
        backoff = kBackoffMin;
        state = State::kWatch;
        break;
      }
      case State::kWatch: {
        auto r = WatchOnce(stop);
        if (r) {
          backoff = kBackoffMin;
          break;  // the server closed the request: resume
        }
        if (on_error_) on_error_(r.error());
        state = r.error().code() == ErrorCode::kOutOfRange ? State::kList
                                                           : State::kBackoff;
        break;
      }
      case State::kBackoff: {
        std::uniform_int_distribution<int64_t> jitter(0, backoff.count() / 2);
        Sleep(backoff + std::chrono::milliseconds(jitter(rng)), stop);
        backoff = std::min(backoff * 2, kBackoffMax);
        state = listed ? State::kWatch : State::kList;
        break;
      }
    }
  }
}

}  // namespace sealsync::kube
