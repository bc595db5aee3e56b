// Status helpers shared by the reconcilers: the Ready condition (keeping its
// lastTransitionTime while its status is unchanged) and a status write that
// happens only when something changed.
#pragma once

#include <string>
#include <string_view>

#include "sealsync/clock.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// A Ready condition for an object whose current status is `old_status`.
kube::Json ReadyCondition(const kube::Json& old_status, bool ready,
                          std::string_view reason, const std::string& message,
                          int64_t generation, const Clock& clock);

// What an object's status says of its Ready condition, for its current
// spec: kNone when it has no Ready condition or its status.observedGeneration
// is not metadata.generation (not yet judged since the spec changed).
enum class Verdict { kReady, kNotReady, kNone };
Verdict ReadyVerdict(const kube::Json& obj);

// Merge-patches `obj`'s status subresource to `desired` unless it already is.
// API errors come back as kUnavailable (retry), wrapped with "writing status".
Result<void> WriteStatusIfChanged(kube::Client& client,
                                  const kube::Resource& resource,
                                  const kube::Json& obj,
                                  const kube::Json& desired);

}  // namespace sealsync::op
