// An EventRecorder writes Kubernetes Events (events.k8s.io/v1) about objects
// the operator manages, off the reconcile path.
//
// Record() never blocks on the API server: it applies the rate limits and
// puts the event on a bounded queue that one background thread writes. Per
// event the writer either
//   - creates a new Event (eventTime now, no series), or
//   - when the same (regarding uid, type, reason, action, note) was written
//     less than `series_window` ago, merge-patches that Event's series
//     {count, lastObservedTime} instead (count 2 on the first repeat, as
//     client-go's events broadcaster). If that Event is gone (Events expire,
//     1 h by default) a new one is created.
// Rate limits (as client-go's EventSourceObjectSpamFilter): a token bucket
// per regarding object (default burst 25, one token back per 5 min), one per
// namespace (burst 50, 2/s: tenants cannot starve each other) and a global
// bucket; every Record() call, repeat or not, takes a token from all three.
// Events dropped by a bucket or a full queue are counted, never written.
//
// Notes are written verbatim, truncated to 1024 bytes (the API's limit) at a
// UTF-8 character boundary. Callers must NEVER pass secret values (decrypted
// data, tokens, key material) in `reason` or `note`: Events are readable by
// anyone who may list Events in the namespace.
//
// Thread-safe. Write errors are counted and passed to `on_error` (for the
// controller to log); they are not retried.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::kube {

// The object an Event is about (the Event's `regarding`).
struct ObjectReference {
  std::string api_version;  // "sealsync.io/v1alpha1", "v1"
  std::string kind;
  std::string ns;  // "" for cluster-scoped objects (Event goes to "default")
  std::string name;
  std::string uid;
  std::string resource_version;

  // Fills every field from an object's apiVersion, kind and metadata.
  static ObjectReference Of(const Json& obj);
};

enum class EventType { kNormal, kWarning };

struct EventRecorderOptions {
  std::string reporting_controller = "sealsync";
  std::string reporting_instance;  // the pod name; required by the API
  size_t queue_capacity = 1000;
  std::chrono::minutes series_window{10};
  // Per regarding object: `object_burst` tokens, one back per
  // `object_refill`.
  int object_burst = 25;
  std::chrono::milliseconds object_refill{std::chrono::minutes(5)};
  // Per namespace: one tenant's objects together may take no more than
  // this, so a namespace full of failing objects cannot use up the global
  // bucket and silence the Events of other namespaces.
  int namespace_burst = 50;
  std::chrono::milliseconds namespace_refill{500};
  // All objects together: `global_burst` tokens, one back per
  // `global_refill` (bounds the Event writes the API server sees).
  int global_burst = 500;
  std::chrono::milliseconds global_refill{20};
  // Dedup and rate-limit entries kept (least recently used go first).
  size_t max_tracked = 4096;
};

struct EventRecorderStats {
  uint64_t created = 0;         // Events created
  uint64_t series_updates = 0;  // existing Events patched with a series
  uint64_t dropped_rate_limited = 0;
  uint64_t dropped_queue_full = 0;  // incl. queued at destruction
  uint64_t write_errors = 0;
};

class EventRecorder {
 public:
  static constexpr size_t kMaxNoteBytes = 1024;

  using ErrorFn = std::function<void(const Error& error)>;

  // Starts the writer thread. `client` and `clock` must outlive this.
  EventRecorder(Client& client, const Clock& clock,
                EventRecorderOptions options, ErrorFn on_error = nullptr);
  // Stops after the write in progress; events still queued are dropped
  // (counted in dropped_queue_full). Call Flush() first to keep them.
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an Event about `regarding`. `reason` and `action` are short
  // UpperCamelCase words ("Unsealed", "Reconcile"); `note` is a human
  // message without secret values. Returns false if the event was dropped
  // (rate limit or full queue). Never blocks on I/O.
  bool Record(const ObjectReference& regarding, EventType type,
              std::string_view reason, std::string_view action,
              std::string_view note);

  // Blocks until every event queued before the call has been written (or
  // has failed).
  void Flush();

  EventRecorderStats stats() const;

 private:
  struct Pending {
    ObjectReference regarding;
    EventType type;
    std::string reason;
    std::string action;
    std::string note;
    Clock::TimePoint at;
    std::chrono::system_clock::time_point wall;
  };
  // A written Event that later identical events extend as a series.
  struct Series {
    std::string ns;
    std::string name;
    int64_t count = 1;
    Clock::TimePoint last;
  };
  struct Bucket {
    double tokens = 0;
    Clock::TimePoint updated;
  };

  Bucket& BucketLocked(std::map<std::string, Bucket>& buckets,
                       const std::string& key, int burst,
                       std::chrono::milliseconds refill, Clock::TimePoint now);
  void TrimLocked(std::map<std::string, Bucket>& buckets, int burst,
                  std::chrono::milliseconds refill, Clock::TimePoint now);
  // Takes one token from the object's, the namespace's and the global
  // bucket, or none when any of them is empty.
  bool TakeTokensLocked(const std::string& object_key, const std::string& ns,
                        Clock::TimePoint now);
  void WriterLoop();
  void Write(const Pending& p);
  Result<Json> CreateEvent(const Pending& p, const std::string& key);
  std::string NewEventName(const Pending& p);

  Client& client_;
  const Clock& clock_;
  const EventRecorderOptions options_;
  const ErrorFn on_error_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // queue changed or stopping
  std::condition_variable idle_cv_;  // a write finished
  std::deque<Pending> queue_;
  bool stopping_ = false;
  uint64_t enqueued_ = 0;  // sequence numbers for Flush()
  uint64_t finished_ = 0;
  Bucket global_;
  std::map<std::string, Bucket> buckets_;     // by regarding uid (or ns/name)
  std::map<std::string, Bucket> ns_buckets_;  // by regarding namespace
  EventRecorderStats stats_;

  // Writer thread only.
  std::map<std::string, Series> series_;  // by dedup key
  int64_t last_name_nanos_ = 0;

  std::thread writer_;  // last: starts after everything above exists
};

}  // namespace sealsync::kube
