// Workload reload, the pure part: which Secrets a workload asks to be
// restarted for, a fingerprint of a Secret's data, and the "observed"
// annotation that remembers the fingerprints a workload last ran with.
//
// A Deployment, StatefulSet or DaemonSet opts in with the annotation
// sealsync.dev/reload: "true" (every Secret its pod template references
// through env valueFrom.secretKeyRef, envFrom.secretRef, volumes[].secret and
// projected volume sources, in containers and initContainers) or
// "secret-a,secret-b" (those). Only Secrets of the workload's own namespace
// count: a name is a Secret name, never NS/NAME.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "sealsync/kube.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::op {

// The Secret names `workload` reloads for; nullopt when it has not opted in
// (no annotation, or "false"). Names that are not valid Secret names
// (DNS subdomains: "other-ns/db" included) are dropped.
std::optional<std::set<std::string>> ReloadTargets(const kube::Json& workload);

// 16 hex digits: HMAC-SHA-256 keyed with `key` over the Secret's data (keys
// sorted, length-prefixed). Only data counts: labels, annotations and
// resourceVersion do not. Keyed so that the annotation it is written to does
// not let readers of the workload test guesses of a value.
std::string DataFingerprint(const kube::Json& secret, ByteView key);

// "a=0123456789abcdef,b=..." <-> map. Parse drops malformed entries.
using Fingerprints = std::map<std::string, std::string>;
Fingerprints ParseObserved(std::string_view text);
std::string FormatObserved(const Fingerprints& f);

// The Secrets whose data changed from `observed` to `current`: in both, with
// another fingerprint. A Secret newly referenced or newly created is not a
// change (its workload's own rollout, or its next start, reads it).
std::set<std::string> ChangedSecrets(const Fingerprints& observed,
                                     const Fingerprints& current);

}  // namespace sealsync::op
