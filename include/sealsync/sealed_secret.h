// Whole-SealedSecret operations shared by the operator and sealctl: unseal
// into the derived Secret (scope enforced from the object's own namespace,
// name and spec.scope), verify, and rewrap to new recipients. Pure functions:
// no I/O.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sealsync/api.h"
#include "sealsync/bitnami.h"
#include "sealsync/sealing.h"

namespace sealsync::sealed {

// Condition reasons (status.conditions[Ready].reason) for unseal failures.
inline constexpr std::string_view kReasonNoMatchingKey = "NoMatchingKey";
inline constexpr std::string_view kReasonScopeMismatch = "ScopeMismatch";
inline constexpr std::string_view kReasonMalformed = "Malformed";
inline constexpr std::string_view kReasonDecryptFailed = "DecryptFailed";

// The reason for an error returned by Unseal/Verify/Rewrap.
std::string_view ReasonFor(const Error& error);

// The binding a value must carry to be used in `obj`. kInvalidArgument
// naming spec.scope or metadata.namespace when they are unusable.
Result<ScopeBinding> ExpectedBinding(const api::SealedSecret& obj);

struct Unsealed {
  api::Secret secret;                // name, namespace, template applied, data
  std::vector<std::string> key_ids;  // sorted, unique: the keys that opened it
};

// Unseals every value. The first failure is returned, its message naming the
// object and field ("SealedSecret team-a/db: spec.encryptedData.password:
// scope mismatch: ..."); no partial result. Bitnami-format values
// (sealsync/bitnami.h) are opened with `bitnami_keys`, bound to the same
// scope (a Bitnami SealedSecret's scope annotations set spec.scope when it is
// parsed).
Result<Unsealed> Unseal(const api::SealedSecret& obj,
                        std::span<const X25519Identity> keys,
                        std::span<const bitnami::PrivateKey> bitnami_keys = {});

// Re-seals every value for `recipients` with the same binding and format (a
// sodium value stays sodium when there is one recipient), leaving everything
// else unchanged. A Bitnami-format value becomes an age value with the
// object's binding: the migration path to sealsync's own format.
Result<api::SealedSecret> Rewrap(
    const api::SealedSecret& obj, std::span<const X25519Identity> keys,
    std::span<const X25519Recipient> recipients, Random& random,
    std::span<const bitnami::PrivateKey> bitnami_keys = {});

}  // namespace sealsync::sealed
