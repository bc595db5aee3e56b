// Whether the operator may write (or delete) an existing Secret on behalf of
// a SealedSecret or ExternalSecret (DESIGN.md "Tenants and trust",
// docs/security.md).
//
// A tenant may create SealedSecrets and ExternalSecrets but has no rights on
// Secrets, so the object asking for a write proves nothing. Consent is read
// from the Secret itself:
//   kOwned      its controller ownerReference is the object (by UID);
//   kConsented  its sealsync.dev/owner annotation names the object as
//               "Kind/name" (several comma-separated). Only the operator and
//               whoever may write the Secret can set that annotation: the
//               operator writes it on every Secret it derives (so a Secret
//               left behind, e.g. creationPolicy Orphan, returns to an object
//               of the same kind and name, never another kind), and an admin
//               sets it to hand an existing Secret over
//               (`kubectl annotate secret db
//               sealsync.dev/owner=SealedSecret/db`);
//   kRefused    anything else, labels included: a label never decides.
// Templates cannot forge the annotation: ReservedMetadataKey() keys are
// refused in every template.
#pragma once

#include <string>
#include <string_view>

#include "sealsync/kube.h"

namespace sealsync::op {

enum class Consent { kOwned, kConsented, kRefused };

// `secret` is the observed Secret; `kind`/`name`/`uid` the object that wants
// to write it.
Consent WriteConsent(const kube::Json& secret, std::string_view kind,
                     std::string_view name, std::string_view uid);

// True for label and annotation keys only the operator may set on a Secret
// (the sealsync.dev/ prefix).
bool ReservedMetadataKey(std::string_view key);

// The one message for a refused write: names the Secret and the annotation
// an admin sets to give consent. Never contains a value.
std::string NotOwnedMessage(std::string_view secret_id, std::string_view kind,
                            std::string_view name);

}  // namespace sealsync::op
