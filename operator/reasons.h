// Every condition and Event reason the operator writes, in one place. A
// reconciler derives a failure's reason once (the functions below) and
// attaches it to the Error (Error::WithReason); status, the Warning Event
// and the failure metric all read that one reason, so they agree.
//
// The strings live in sealsync/names.h and sealsync/sealed_secret.h (sealctl
// and the API handlers read them too); this header says who uses which.
#pragma once

#include <string_view>

#include "sealsync/error.h"
#include "sealsync/names.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::op::reasons {

// SealedSecret Ready condition.
inline constexpr std::string_view kSynced = names::kReasonSynced;
inline constexpr std::string_view kNoMatchingKey = sealed::kReasonNoMatchingKey;
inline constexpr std::string_view kScopeMismatch = sealed::kReasonScopeMismatch;
inline constexpr std::string_view kMalformed = sealed::kReasonMalformed;
inline constexpr std::string_view kDecryptFailed = sealed::kReasonDecryptFailed;
inline constexpr std::string_view kTypeNotAllowed =
    names::kReasonTypeNotAllowed;
// SealedSecret and ExternalSecret.
inline constexpr std::string_view kTargetNotOwned =
    names::kReasonTargetNotOwned;
inline constexpr std::string_view kWriteFailed = names::kReasonWriteFailed;

// ExternalSecret Ready condition.
inline constexpr std::string_view kSecretSynced = names::kReasonSecretSynced;
inline constexpr std::string_view kSecretSyncedError =
    names::kReasonSecretSyncedError;
inline constexpr std::string_view kSecretDeleted = "SecretDeleted";
inline constexpr std::string_view kStoreNotReady = names::kReasonStoreNotReady;
// ExternalSecret and store.
inline constexpr std::string_view kInvalidSpec = names::kReasonInvalidSpec;

// SecretStore / ClusterSecretStore Ready condition.
inline constexpr std::string_view kStoreValid = names::kReasonStoreValidated;
inline constexpr std::string_view kInvalidProviderConfig =
    names::kReasonInvalidCredentials;
inline constexpr std::string_view kVaultUnavailable =
    names::kReasonVaultUnavailable;
inline constexpr std::string_view kServiceAccountNotConsented =
    names::kReasonServiceAccountNotConsented;

// ClusterExternalSecret Ready condition (also kInvalidSpec): every matching
// namespace has its ExternalSecret; some namespaces failed (status lists
// them with why); more namespaces match than one object may fan out to.
inline constexpr std::string_view kProvisioned = names::kReasonProvisioned;
inline constexpr std::string_view kNamespacesFailed =
    names::kReasonNamespacesFailed;
inline constexpr std::string_view kTooManyNamespaces =
    names::kReasonTooManyNamespaces;

// The reason a controller records for a failure whose Error carries none:
// errors that never reach status (the API server failing a read of the
// target or the status write itself). A SealedSecret's used to be derived
// from the error code as if it were an unseal failure ("Malformed" for an
// API outage, "NoMatchingKey" for a status write on a deleted object).
inline constexpr std::string_view kSealedSecretDefault = kWriteFailed;
inline constexpr std::string_view kExternalSecretDefault = kSecretSyncedError;
inline constexpr std::string_view kStoreDefault = kInvalidProviderConfig;
inline constexpr std::string_view kClusterExternalSecretDefault =
    kNamespacesFailed;

// The reason of an unseal failure (sealed::Unseal's error codes):
// NoMatchingKey, ScopeMismatch, DecryptFailed, else Malformed.
inline std::string_view UnsealReason(const Error& e) {
  return sealed::ReasonFor(e);
}

// Events on sealing key Secrets (no condition).
inline constexpr std::string_view kSealingKeyUnreadable =
    "SealingKeyUnreadable";
inline constexpr std::string_view kSealingKeyRestored = "SealingKeyRestored";

}  // namespace sealsync::op::reasons
