#include "lib/kube/event_recorder.h"

#include <algorithm>
#include <cstdio>

#include "lib/base/time_format.h"

namespace sealsync::kube {
namespace {

constexpr size_t kMaxNameLength = 253;

std::string_view TypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string TruncateUtf8(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t end = max;
  // Back up over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return std::string(s.substr(0, end));
}

std::string ObjectKeyOf(const ObjectReference& r) {
  return r.uid.empty() ? r.ns + "/" + r.name : r.uid;
}

std::string DedupKey(const ObjectReference& r, EventType type,
                     std::string_view reason, std::string_view action,
                     std::string_view note) {
  std::string key = ObjectKeyOf(r);
  for (std::string_view part : {TypeName(type), reason, action, note}) {
    key.push_back('\0');
    key.append(part);
  }
  return key;
}

// Refills a bucket (capacity `burst`, one token back per `refill`) up to
// `now`.
void Refill(double& tokens, Clock::TimePoint& updated, Clock::TimePoint now,
            int burst, std::chrono::milliseconds refill) {
  if (now > updated && refill.count() > 0) {
    double gained = std::chrono::duration<double>(now - updated) /
                    std::chrono::duration<double>(refill);
    tokens = std::min<double>(burst, tokens + gained);
  } else if (refill.count() <= 0) {
    tokens = burst;
  }
  updated = std::max(updated, now);
}

// A metav1.MicroTime: RFC 3339 UTC with microseconds.
std::string MicroTime(std::chrono::system_clock::time_point t) {
  return FormatRfc3339(t, /*micros=*/true);
}

}  // namespace

ObjectReference ObjectReference::Of(const Json& obj) {
  ObjectReference r;
  r.api_version = obj.value("apiVersion", "");
  r.kind = obj.value("kind", "");
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object()) {
    r.ns = m->value("namespace", "");
    r.name = m->value("name", "");
    r.uid = m->value("uid", "");
    r.resource_version = m->value("resourceVersion", "");
  }
  return r;
}

EventRecorder::EventRecorder(Client& client, const Clock& clock,
                             EventRecorderOptions options, ErrorFn on_error)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      on_error_(std::move(on_error)) {
  global_.tokens = options_.global_burst;
  global_.updated = clock_.Now();
  writer_ = std::thread([this] { WriterLoop(); });
}

EventRecorder::~EventRecorder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    stats_.dropped_queue_full += queue_.size();
    finished_ += queue_.size();
    queue_.clear();
  }
  cv_.notify_all();
  writer_.join();
  idle_cv_.notify_all();
}

// Refills the bucket `key` of `buckets` (created full) and returns it.
EventRecorder::Bucket& EventRecorder::BucketLocked(
    std::map<std::string, Bucket>& buckets, const std::string& key, int burst,
    std::chrono::milliseconds refill, Clock::TimePoint now) {
  auto [it, inserted] = buckets.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst;
    b.updated = now;
  }
  Refill(b.tokens, b.updated, now, burst, refill);
  return b;
}

// Bounds memory: forgets buckets that are full again (they hold no state),
// then, if still too many, the ones touched longest ago.
void EventRecorder::TrimLocked(std::map<std::string, Bucket>& buckets,
                               int burst, std::chrono::milliseconds refill,
                               Clock::TimePoint now) {
  if (buckets.size() <= options_.max_tracked) return;
  for (auto i = buckets.begin(); i != buckets.end();) {
    Refill(i->second.tokens, i->second.updated, now, burst, refill);
    i = i->second.tokens >= burst ? buckets.erase(i) : std::next(i);
  }
  while (buckets.size() > options_.max_tracked) {
    auto oldest = std::min_element(buckets.begin(), buckets.end(),
                                   [](const auto& a, const auto& b) {
                                     return a.second.updated < b.second.updated;
                                   });
    buckets.erase(oldest);
  }
}

bool EventRecorder::TakeTokensLocked(const std::string& object_key,
                                     const std::string& ns,
                                     Clock::TimePoint now) {
  Refill(global_.tokens, global_.updated, now, options_.global_burst,
         options_.global_refill);
  Bucket& object = BucketLocked(buckets_, object_key, options_.object_burst,
                                options_.object_refill, now);
  Bucket& space = BucketLocked(ns_buckets_, ns, options_.namespace_burst,
                               options_.namespace_refill, now);
  bool ok = object.tokens >= 1 && space.tokens >= 1 && global_.tokens >= 1;
  if (ok) {
    object.tokens -= 1;
    space.tokens -= 1;
    global_.tokens -= 1;
  }
  TrimLocked(buckets_, options_.object_burst, options_.object_refill, now);
  TrimLocked(ns_buckets_, options_.namespace_burst, options_.namespace_refill,
             now);
  return ok;
}

bool EventRecorder::Record(const ObjectReference& regarding, EventType type,
                           std::string_view reason, std::string_view action,
                           std::string_view note) {
  Clock::TimePoint now = clock_.Now();
  Pending p{regarding,
            type,
            std::string(reason),
            std::string(action),
            TruncateUtf8(note, kMaxNoteBytes),
            now,
            clock_.WallNow()};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    if (!TakeTokensLocked(ObjectKeyOf(regarding), regarding.ns, now)) {
      ++stats_.dropped_rate_limited;
      return false;
    }
    if (queue_.size() >= options_.queue_capacity) {
      ++stats_.dropped_queue_full;
      return false;
    }
    queue_.push_back(std::move(p));
    ++enqueued_;
  }
  cv_.notify_one();
  return true;
}

void EventRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t target = enqueued_;
  idle_cv_.wait(lock, [&] { return finished_ >= target || stopping_; });
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void EventRecorder::WriterLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Write(p);
    lock.lock();
    ++finished_;
    idle_cv_.notify_all();
  }
}

std::string EventRecorder::NewEventName(const Pending& p) {
  // As client-go: "<regarding name>.<unix nanos in hex>", unique per
  // recorder even when the clock does not move.
  int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      p.wall.time_since_epoch())
                      .count();
  nanos = std::max(nanos, last_name_nanos_ + 1);
  last_name_nanos_ = nanos;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%llx",
                static_cast<unsigned long long>(nanos));
  std::string base = p.regarding.name.empty() ? "event" : p.regarding.name;
  size_t room = kMaxNameLength - std::string_view(suffix).size();
  if (base.size() > room) base.resize(room);
  while (!base.empty() && (base.back() == '.' || base.back() == '-')) {
    base.pop_back();
  }
  return base + suffix;
}

Result<Json> EventRecorder::CreateEvent(const Pending& p,
                                        const std::string& key) {
  const ObjectReference& r = p.regarding;
  std::string ns = r.ns.empty() ? "default" : r.ns;
  Json regarding = {
      {"apiVersion", r.api_version}, {"kind", r.kind}, {"name", r.name}};
  if (!r.ns.empty()) regarding["namespace"] = r.ns;
  if (!r.uid.empty()) regarding["uid"] = r.uid;
  if (!r.resource_version.empty()) {
    regarding["resourceVersion"] = r.resource_version;
  }
  std::string name = NewEventName(p);
  Json event = {{"apiVersion", "events.k8s.io/v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", ns}}},
                {"eventTime", MicroTime(p.wall)},
                {"regarding", std::move(regarding)},
                {"type", TypeName(p.type)},
                {"reason", p.reason},
                {"action", p.action},
                {"note", p.note},
                {"reportingController", options_.reporting_controller},
                {"reportingInstance", options_.reporting_instance}};
  auto created = client_.Create(kEvents, event);
  if (!created) {
    return std::unexpected(created.error().Wrap(
        "could not create Event " + ns + "/" + name + " about " + r.kind + " " +
        (r.ns.empty() ? "" : r.ns + "/") + r.name));
  }
  series_[key] = Series{ns, name, 1, p.at};
  return created;
}

void EventRecorder::Write(const Pending& p) {
  std::string key = DedupKey(p.regarding, p.type, p.reason, p.action, p.note);
  Result<Json> result = Json();
  bool patched = false;
  auto it = series_.find(key);
  if (it != series_.end() && p.at - it->second.last < options_.series_window) {
    Series& s = it->second;
    Json patch = {
        {"series",
         {{"count", s.count + 1}, {"lastObservedTime", MicroTime(p.wall)}}}};
    result = client_.MergePatch(kEvents, {s.ns, s.name}, patch);
    if (result) {
      ++s.count;
      s.last = p.at;
      patched = true;
    } else if (result.error().code() == ErrorCode::kNotFound) {
      result = CreateEvent(p, key);  // the Event expired: start again
    } else {
      result = std::unexpected(result.error().Wrap(
          "could not update Event " + s.ns + "/" + s.name + " series"));
    }
  } else {
    result = CreateEvent(p, key);
  }

  // Bound memory: forget series past their window, then the oldest.
  if (series_.size() > options_.max_tracked) {
    std::erase_if(series_, [&](const auto& e) {
      return p.at - e.second.last >= options_.series_window;
    });
    while (series_.size() > options_.max_tracked) {
      series_.erase(std::min_element(series_.begin(), series_.end(),
                                     [](const auto& a, const auto& b) {
                                       return a.second.last < b.second.last;
                                     }));
    }
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!result) {
      ++stats_.write_errors;
    } else if (patched) {
      ++stats_.series_updates;
    } else {
      ++stats_.created;
    }
  }
  if (!result && on_error_) on_error_(result.error());
}

}  // namespace sealsync::kube
