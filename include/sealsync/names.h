// Every Kubernetes name sealsync writes or looks for: field manager, labels,
// annotations, object names, condition types and reasons. One place, so the
// operator, sealctl and the chart agree.
#pragma once

#include <string_view>

namespace sealsync::names {

// Server-side apply field manager of everything the operator writes.
inline constexpr std::string_view kFieldManager = "sealsync";
// Reporting controller for Events and the Lease holder prefix.
inline constexpr std::string_view kController = "sealsync";

// On every Secret the operator derives; the operator watches and caches
// only Secrets carrying it.
inline constexpr std::string_view kManagedByLabel =
    "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "sealsync";

// On every derived Secret: "<Kind>/<name>" of the object it comes from
// (SealedSecret or ExternalSecret), so Secret events map back to their source
// even without an ownerReference (creationPolicy Orphan or Merge). It is also
// the consent to write an existing Secret (operator/target_consent.h): set on
// the Secret by someone who may write it, it names the objects ("Kind/name",
// comma-separated) allowed to take it over or merge into it.
inline constexpr std::string_view kOwnerAnnotation = "sealsync.dev/owner";

// On an ExternalSecret: any new value asks for a sync now (ESO's force-sync).
inline constexpr std::string_view kForceSyncAnnotation =
    "sealsync.dev/force-sync";

// On a ServiceAccount: the stores that may log in to the vault as it
// (Kubernetes auth), "SecretStore/NAME", "ClusterSecretStore/NAME" or "*",
// comma-separated; set by someone who may write the ServiceAccount
// (operator/login_consent.h).
inline constexpr std::string_view kVaultLoginAnnotation =
    "sealsync.dev/vault-login";

// The credential Secret `sealctl bootstrap` writes: its field manager and
// managed-by label value.
// Workload reload (operator/reload.h): the opt-in annotation on a Deployment,
// StatefulSet or DaemonSet ("true", or "secret-a,secret-b"); the workload's
// last seen Secret fingerprints; the pod-template annotations a restart sets.
inline constexpr std::string_view kReloadAnnotation = "sealsync.dev/reload";
inline constexpr std::string_view kReloadObservedAnnotation =
    "sealsync.dev/reload-observed";
inline constexpr std::string_view kRestartedAtAnnotation =
    "sealsync.dev/restarted-at";
inline constexpr std::string_view kRestartedForAnnotation =
    "sealsync.dev/restarted-for";
inline constexpr std::string_view kReasonReloaded = "Reloaded";

inline constexpr std::string_view kBootstrapFieldManager = "sealctl-bootstrap";
inline constexpr std::string_view kBootstrapManagedBy = "sealctl-bootstrap";

// On sealing key Secrets in the operator's namespace.
inline constexpr std::string_view kSealingKeyLabel = "sealsync.dev/sealing-key";
inline constexpr std::string_view kKeyCreatedAnnotation =
    "sealsync.dev/created";
inline constexpr std::string_view kKeyIdAnnotation = "sealsync.dev/key-id";
inline constexpr std::string_view kKeySecretPrefix = "sealsync-key-";
inline constexpr std::string_view kKeySecretDataKey = "identity.txt";
// Keys imported from Bitnami sealed-secrets (sealctl keys import-bitnami):
// Secrets "sealsync-bitnami-<hex16>" in the operator's namespace, labelled
// kSealingKeyLabel = kBitnamiKeyLabelValue, the RSA private key (PEM) under
// kBitnamiKeyDataKey. Decryption only.
inline constexpr std::string_view kBitnamiKeySecretPrefix = "sealsync-bitnami-";
inline constexpr std::string_view kBitnamiKeyLabelValue = "bitnami";
inline constexpr std::string_view kBitnamiKeyDataKey = "tls.key";

// Public recipients, newest first (readable by every authenticated user).
inline constexpr std::string_view kRecipientsConfigMap = "sealsync-recipients";
inline constexpr std::string_view kRecipientsDataKey = "recipients.txt";
// Break-glass backups: "<key id>.age" = the identity file age-encrypted to
// the offline recipient.
inline constexpr std::string_view kKeyBackupConfigMap = "sealsync-key-backups";

inline constexpr std::string_view kLeaseName = "sealsync-leader";

inline constexpr std::string_view kConditionReady = "Ready";
inline constexpr std::string_view kReasonSynced = "Synced";
inline constexpr std::string_view kReasonTargetNotOwned = "TargetNotOwned";
inline constexpr std::string_view kReasonWriteFailed = "WriteFailed";
// A template asks for a Secret type outside the allow-list
// (api::IsAllowedSecretType), e.g. kubernetes.io/service-account-token.
inline constexpr std::string_view kReasonTypeNotAllowed = "TypeNotAllowed";

// ExternalSecret and store condition reasons (ESO's where they exist).
inline constexpr std::string_view kReasonSecretSynced = "SecretSynced";
inline constexpr std::string_view kReasonSecretSyncedError =
    "SecretSyncedError";
inline constexpr std::string_view kReasonStoreNotReady = "StoreNotReady";
inline constexpr std::string_view kReasonInvalidSpec = "InvalidSpec";
inline constexpr std::string_view kReasonStoreValidated = "Valid";
inline constexpr std::string_view kReasonInvalidCredentials =
    "InvalidProviderConfig";
// The vault could not be reached, answered 5xx or 429, or answered too much:
// retried, and shown in status meanwhile.
inline constexpr std::string_view kReasonVaultUnavailable = "VaultUnavailable";
// Kubernetes auth: the store's ServiceAccount does not list the store in its
// kVaultLoginAnnotation (operator/login_consent.h); no token was minted.
inline constexpr std::string_view kReasonServiceAccountNotConsented =
    "ServiceAccountNotConsented";

// ClusterExternalSecret: on every ExternalSecret it provisions, the
// ClusterExternalSecret's name (only for `kubectl get -l`; ownership is the
// controller ownerReference, never this label). Condition reasons.
inline constexpr std::string_view kClusterExternalSecretLabel =
    "sealsync.dev/cluster-external-secret";
inline constexpr std::string_view kReasonProvisioned = "Provisioned";
inline constexpr std::string_view kReasonNamespacesFailed = "NamespacesFailed";
inline constexpr std::string_view kReasonTooManyNamespaces =
    "TooManyNamespaces";

}  // namespace sealsync::names
