// Reads of cluster state that tests of the real operator assert on.
#pragma once

#include <optional>
#include <string>

#include "lib/base/base64.h"
#include "sealsync/kube.h"

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

}  // namespace sealsync::testing
