// An in-memory fake of the Kubernetes Client seam for unit tests (the
// FakeClock is tests/support/fake_clock.h).
//
// FakeClient keeps objects per (resource, namespace, name), assigns uid and
// a increasing resourceVersion on every write, refuses a stale Update with
// kAborted and a duplicate Create with kAlreadyExists, and applies JSON merge
// patches. It does not validate objects, and has no watch, apply or
// selectors: behaviour that depends on those is tested against the real API
// server. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
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
  std::string verb;  // "get", "list", "create", "update", "patch", "delete"
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
  Result<bool> Delete(const Resource& r, const ObjectKey& key,
                      const DeleteOptions& opts = {}) override;
  Result<bool> Watch(const Resource& r, std::string_view ns,
                     const WatchOptions& opts, const WatchHandler& handler,
                     const std::atomic<bool>* stop = nullptr) override;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;
  static Key KeyFor(const Resource& r, const ObjectKey& key);
  // Records the call and runs the hook; an Error means "fail with it".
  std::optional<Error> Begin(FakeCall call);
  void Stamp(Json& obj);

  mutable std::mutex mu_;
  Hook hook_;
  std::vector<FakeCall> calls_;
  std::map<Key, Json> objects_;
  int64_t version_ = 100;
};

}  // namespace sealsync::kube::testing
