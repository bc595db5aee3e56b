// Reads of cluster state that tests of the real operator assert on.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lib/base/base64.h"
#include "sealsync/kube.h"
#include "tests/support/eventually.h"

namespace sealsync::testing {

// The decoded value of data[key] of Secret ns/name; nullopt when the Secret
// or the key is missing or not base64.
inline std::optional<std::string> ReadSecretValue(kube::Client& client,
                                                  const std::string& ns,
                                                  const std::string& name,
                                                  const std::string& key) {
  auto s = client.Get(kube::kSecrets, {ns, name});
  if (!s || !s->contains("data") || !(*s)["data"].contains(key))
    return std::nullopt;
  auto bytes = Base64Decode((*s)["data"][key].get<std::string>());
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

// Every events.k8s.io Event in `ns`, one "reason: note" line each, for
// asserting on what a user sees in `kubectl get events`.
inline std::string EventsText(kube::Client& client, const std::string& ns) {
  auto list = client.List(kube::kEvents, ns, {});
  std::string out;
  if (!list) return out;
  for (const auto& e : list->items) {
    out += e.value("reason", "") + ": " + e.value("note", "") + "\n";
  }
  return out;
}

// Whether the operator's status describes `obj` as it is: a Ready condition
// (with `reason`, unless empty) and status.observedGeneration equal to
// metadata.generation.
inline bool StatusCurrent(const kube::Json& obj, std::string_view reason = "") {
  const kube::Json& status = obj.value("status", kube::Json::object());
  const kube::Json& meta = obj.value("metadata", kube::Json::object());
  if (!status.is_object() || !meta.is_object()) return false;
  if (status.value("observedGeneration", int64_t{-1}) !=
      meta.value("generation", int64_t{-2}))
    return false;
  for (const auto& c : status.value("conditions", kube::Json::array())) {
    if (c.value("type", "") == "Ready")
      return reason.empty() || c.value("reason", "") == reason;
  }
  return false;
}

// The operator writes a Secret first and its owner's status second: a test
// that looks at both waits for both. Waits until `secret_ready` (the
// test's check of the Secret) holds and the status of `owner` ns/name is
// current (StatusCurrent with `reason`); returns the owner as then read,
// nullopt if that did not happen within `deadline`.
inline std::optional<kube::Json> WaitForSecretAndStatus(
    kube::Client& client, const kube::Resource& owner, const std::string& ns,
    const std::string& name, const std::function<bool()>& secret_ready,
    std::string_view reason = "",
    std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  std::optional<kube::Json> seen;
  bool done = Eventually(
      [&] {
        if (!secret_ready()) return false;
        auto o = client.Get(owner, {ns, name});
        if (!o || !StatusCurrent(*o, reason)) return false;
        seen = std::move(*o);
        return true;
      },
      deadline);
  if (!done) return std::nullopt;
  return seen;
}

}  // namespace sealsync::testing
