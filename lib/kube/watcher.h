// A Watcher keeps a Store in step with one resource kind (in one namespace or
// all, with label/field selectors) and reports every change. Its loop is a
// state machine:
//
//   kList    list every page (limit 500). The first time (first page 100),
//            store each page as it arrives and then report its objects as
//            added; the Store counts as synced once the last page is stored,
//            before that page is reported. Later (relists), Replace the Store
//            and report each object as added/modified and each vanished key
//            as deleted. Remember the list's resourceVersion; -> kWatch
//   kWatch   watch from the remembered resourceVersion with bookmarks; apply
//            each event to the Store, then report it; bookmarks only advance
//            the version. The server ending the request -> kWatch again
//            (resume). 410 Gone -> kList. Any other error -> kBackoff.
//   kBackoff sleep (0.5 s doubling to 30 s, with jitter; reset by a
//            successful watch event) -> kWatch, or kList if never listed.
//
// Objects are stored without metadata.managedFields (nothing reads them).
// Run() returns when `stop` becomes true. Not copyable; Run() from one thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "lib/kube/store.h"
#include "sealsync/kube.h"

namespace sealsync::kube {

class Watcher {
 public:
  // Called after the Store has been updated. `obj` is the new object (the
  // last known one for deletions).
  using EventFn = std::function<void(
      WatchEventType type, const std::string& key, const ObjectPtr& obj)>;
  // Called with every error the loop recovers from (for logs and metrics).
  using ErrorFn = std::function<void(const Error& error)>;

  Watcher(Client& client, Resource resource, std::string ns,
          WatchOptions selectors, Store& store, EventFn on_event,
          ErrorFn on_error = nullptr);

  void Run(const std::atomic<bool>& stop);

  // Counters for tests and metrics.
  int lists() const { return lists_.load(); }
  int watches() const { return watches_.load(); }

 private:
  Result<void> List();
  Result<void> WatchOnce(const std::atomic<bool>& stop);
  void Sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop);

  Client& client_;
  Resource resource_;
  std::string ns_;
  WatchOptions selectors_;
  Store& store_;
  EventFn on_event_;
  ErrorFn on_error_;
  std::string resource_version_;
  // The Store holds objects of this watcher's lists (all of one, or the first
  // pages of a failed first list): every later list must Replace.
  bool filled_ = false;
  std::atomic<int> lists_{0};
  std::atomic<int> watches_{0};
};

}  // namespace sealsync::kube
