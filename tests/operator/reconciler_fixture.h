// What the reconciler and key tests of tests/operator share: the cluster
// as the fake API server holds it, the caches as the watchers would fill
// them, and readers of what a user would look at (the Ready condition, a
// Secret's values, what the controller does with a result). No control
// plane.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "lib/base/base64.h"
#include "lib/kube/store.h"
#include "operator/controller.h"
#include "operator/key_ring.h"
#include "sealsync/names.h"
#include "tests/fake_random.h"
#include "tests/lib/kube/fake_client.h"

namespace sealsync::op::fixture {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;

// What the controller does with a reconcile's result (controller.h).
enum class Outcome { kOk, kTerminal, kTransient, kDegraded };

inline Outcome OutcomeOf(const Result<Action>& r) {
  if (!r)
    return IsTerminal(r.error()) ? Outcome::kTerminal : Outcome::kTransient;
  return r->degraded ? Outcome::kDegraded : Outcome::kOk;
}

// What one row of a reconciler's reason table expects a user to see.
struct ReasonRow {
  Outcome outcome;
  std::string status;    // of the Ready condition: "True" / "False"
  std::string reason;    // of the Ready condition, Events and metrics
  std::string password;  // the Secret's "password" value; "" for no Secret
};

// Checks a reason-table row after the reconcile `r`: the controller's
// outcome, the Ready condition `ready`, the reason the controller records
// (Event, metric) being the status reason, the Secret's value `password`
// (or no value), and `canary` in neither `object`'s status nor the error.
inline void ExpectReasonRow(const Result<Action>& r, const ReasonRow& want,
                            const Json& ready,
                            const std::optional<std::string>& password,
                            const Json& object, std::string_view canary) {
  EXPECT_EQ(OutcomeOf(r), want.outcome) << (r ? "" : r.error().message());
  EXPECT_EQ(ready["status"], want.status) << ready.dump();
  EXPECT_EQ(ready["reason"], want.reason) << ready.dump();
  if (!r) {
    EXPECT_EQ(r.error().reason(), want.reason);
  } else if (r->degraded) {
    EXPECT_EQ(r->degraded->reason(), want.reason);
  }
  if (want.password.empty()) {
    EXPECT_FALSE(password.has_value());
  } else {
    EXPECT_EQ(password, want.password);
  }
  EXPECT_EQ(object.value("status", Json::object()).dump().find(canary),
            std::string::npos);
  if (!r) {
    EXPECT_EQ(r.error().message().find(canary), std::string::npos);
  }
}

// After a reconcile of `owner` `key`: the caches see what the API server
// holds, as the watchers would: the owner in `owners`, the Secret
// `secret_name` in `secrets` only while it is labelled sealsync's (the
// managed-Secret watcher's selector).
inline void MirrorCaches(const FakeClient& client, const kube::Resource& owner,
                         const kube::ObjectKey& key, kube::Store& owners,
                         const std::string& secret_name, kube::Store& secrets) {
  if (auto o = client.Object(owner, key)) owners.Upsert(*o);
  if (auto s = client.Object(kube::kSecrets, {key.ns, secret_name})) {
    const Json& labels = (*s)["metadata"].value("labels", Json::object());
    if (labels.value(std::string(names::kManagedByLabel), "") == "sealsync") {
      secrets.Upsert(*s);
      return;
    }
  }
  secrets.Remove(key.ns + "/" + secret_name);
}

// The Ready condition of `resource` `key` (null Json if none).
inline Json ReadyCondition(const FakeClient& client,
                           const kube::Resource& resource,
                           const kube::ObjectKey& key) {
  auto o = client.Object(resource, key);
  if (!o) return Json();
  for (const auto& c :
       o->value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c;
  }
  return Json();
}

// data[`data_key`] of Secret `key`, decoded; nullopt if either is missing.
inline std::optional<std::string> SecretValue(const FakeClient& client,
                                              const kube::ObjectKey& key,
                                              const std::string& data_key) {
  auto s = client.Object(kube::kSecrets, key);
  if (!s || !s->value("data", Json::object()).contains(data_key))
    return std::nullopt;
  auto b = Base64Decode((*s)["data"][data_key].get<std::string>());
  if (!b) return std::nullopt;
  return std::string(b->begin(), b->end());
}

// The key side: the fake API server, clock, randomness, the sealing-key
// Secret cache and the ring that KeyManager and KeyLoop work on.
struct KeyCluster {
  explicit KeyCluster(uint64_t seed) : random(seed) {}
  FakeClient client;
  FakeClock clock;
  sealsync::testing::FakeRandom random;
  kube::Store store;  // what the key Secret watcher would hold
  KeyRing ring;

  // The watcher's view: every sealing-key Secret the API server holds.
  void Sync() {
    for (const auto& k : store.Keys()) store.Remove(k);
    for (const auto& s : client.Objects(kube::kSecrets)) {
      if (s["metadata"]
              .value("labels", Json::object())
              .contains(names::kSealingKeyLabel))
        store.Upsert(s);
    }
  }
};

}  // namespace sealsync::op::fixture
