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

// Events on sealing key Secrets (no condition).
inline constexpr std::string_view kSealingKeyUnreadable =
    "SealingKeyUnreadable";
inline constexpr std::string_view kSealingKeyRestored = "SealingKeyRestored";

}  // namespace sealsync::op::reasons
