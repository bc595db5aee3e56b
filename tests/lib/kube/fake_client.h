// An in-memory fake of the Kubernetes Client seam for unit tests (the
// FakeClock is tests/support/fake_clock.h).
//
// FakeClient keeps objects per (resource, namespace, name), assigns uid and
// a increasing resourceVersion on every write, refuses a stale Update with
// kAborted and a duplicate Create with kAlreadyExists, applies JSON merge
// patches, and honours a Delete's uid precondition (kAborted).
//
// Server-side apply, as far as the operator's own writes need it: each field
// manager owns the leaf fields (scalars and whole lists; maps are walked) it
// last applied; Create/Update/MergePatch own theirs under manager "" (as a
// client without a field manager does). Apply creates the object if missing;
// else it sets the applied fields, removes fields the manager applied before
// and no longer sends (unless another manager owns them too), and refuses a
// field another manager owns with a different value (kAborted, "409
// Conflict: Apply failed with N conflicts: conflict with \"m\": .data.k")
// unless `force`, which takes the field over. Status apply is not modelled
// (kUnimplemented).
//
// It does not validate objects, and has no watch or selectors: behaviour that
// depends on those, on real defaulting or on RBAC is tested against the real
// API server. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "tests/support/fake_clock.h"

namespace sealsync::kube::testing {

using sealsync::testing::FakeClock;

// One call made to the FakeClient.
struct FakeCall {
  // "get", "list", "create", "update", "patch", "apply", "delete"
  std::string verb;
  std::string resource;
  ObjectKey key;
  Json body;  // the object or patch sent, if any
};

class FakeClient final : public Client {
 public:
  // Called before each call is served, outside the client's lock (it may
  // call the client itself). Returning an Error fails the call with it.
  using Hook = std::function<std::optional<Error>(const FakeCall& call)>;

  void SetHook(Hook hook);
  std::vector<FakeCall> Calls() const;
  // Number of calls with this verb on this resource ("" = any resource).
  int CountCalls(std::string_view verb, std::string_view resource = "") const;
  // Every stored object of a resource, ordered by namespace and name.
  std::vector<Json> Objects(const Resource& r) const;
  // The stored object, if any (no call recorded).
  std::optional<Json> Object(const Resource& r, const ObjectKey& key) const;
  // Puts `obj` as if someone else had created it (no call recorded, owned by
  // `manager`): the state a test starts from.
  Json Seed(const Resource& r, Json obj, const std::string& manager = "");
  // The field paths (".data.k") `manager` owns on the object.
  std::vector<std::string> ManagedFields(const Resource& r,
                                         const ObjectKey& key,
                                         const std::string& manager) const;

  Result<Json> Get(const Resource& r, const ObjectKey& key) override;
  Result<ListResult> List(const Resource& r, std::string_view ns,
                          const ListOptions& opts) override;
  Result<Json> Create(const Resource& r, const Json& obj) override;
  Result<Json> Update(const Resource& r, const Json& obj,
                      bool status = false) override;
  Result<Json> MergePatch(const Resource& r, const ObjectKey& key,
                          const Json& patch, bool status = false) override;
  Result<Json> Apply(const Resource& r, const Json& obj,
                     const ApplyOptions& opts, bool status = false) override;
  Result<void> Delete(const Resource& r, const ObjectKey& key,
                      const DeleteOptions& opts = {}) override;
  Result<void> Watch(const Resource& r, std::string_view ns,
                     const WatchOptions& opts, const WatchHandler& handler,
                     const std::atomic<bool>* stop = nullptr) override;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  static Key KeyFor(const Resource& r, const ObjectKey& key);
  // Records the call and runs the hook; an Error means "fail with it".
  std::optional<Error> Begin(FakeCall call);
  void Stamp(Json& obj);
  // Adds the leaf fields of `obj` to `manager`'s set on `k` (lock held).
  void Own(const Key& k, const std::string& manager, const Json& obj);
  Result<Json> ApplyLocked(const Resource& r, const Key& k, const Json& obj,
                           const ApplyOptions& opts);

  mutable std::mutex mu_;
  Hook hook_;
  std::vector<FakeCall> calls_;
  std::map<Key, Json> objects_;
  // Field ownership: object -> manager -> leaf paths.
  using Path = std::vector<std::string>;
  std::map<Key, std::map<std::string, std::set<Path>>> managers_;
  int64_t version_ = 100;
};

}  // namespace sealsync::kube::testing
