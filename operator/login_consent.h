// Whether a store may log in to the vault as a ServiceAccount (Kubernetes
// auth; DESIGN.md "Tenants and trust", docs/security.md K2).
//
// The operator may mint a token for every ServiceAccount, and a tenant who
// may create a SecretStore may name any ServiceAccount of its namespace: the
// store naming it proves nothing. So, as for taking over a Secret
// (target_consent.h), consent is read from the ServiceAccount itself: its
// sealsync.dev/vault-login annotation lists the stores that may log in as it,
// comma-separated: "SecretStore/NAME" (a SecretStore of the ServiceAccount's
// own namespace), "ClusterSecretStore/NAME", or "*" (every store that may
// name it). Only whoever may write the ServiceAccount sets it, and whoever
// may write it could already run a Pod as it. Without it no token is minted
// and the store is not Ready (reason ServiceAccountNotConsented).
#pragma once

#include <string>
#include <string_view>

#include "operator/external_secret_spec.h"
#include "sealsync/kube.h"

namespace sealsync::op {

inline const kube::Resource kServiceAccounts{"", "v1", "serviceaccounts", true};

// True if `service_account`'s annotation names the store ("Kind/name") or
// is "*".
bool LoginConsented(const kube::Json& service_account,
                    std::string_view store_kind, std::string_view store_name);

// Reads `store`'s ServiceAccount and checks its consent. Errors name the
// field, the ServiceAccount and, when refused, the annotation to set:
// kPermissionDenied with reason ServiceAccountNotConsented (no consent),
// kFailedPrecondition (no such ServiceAccount), kUnavailable (the API
// server; kPermissionDenied from it: RBAC get serviceaccounts).
Result<void> CheckLoginConsent(kube::Client& client, const StoreSpec& store);

}  // namespace sealsync::op
