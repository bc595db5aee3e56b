// Kubernetes auth for Infisical: a short-lived token for a ServiceAccount,
// minted with the TokenRequest API (POST .../serviceaccounts/NAME/token) for
// one login and never stored.
#pragma once

#include <string>

#include "operator/external_secret_spec.h"
#include "sealsync/kube.h"
#include "sealsync/vault.h"

namespace sealsync::op {

// The lifetime asked for: the API server's minimum. The token only has to
// live through one login; Infisical's access token is what is kept.
inline constexpr int kServiceAccountTokenSeconds = 600;

// A token for `sa` with its audiences (the API server's when empty).
// Errors name the ServiceAccount, never the token: kFailedPrecondition (no
// such ServiceAccount), kPermissionDenied (the operator may not create
// tokens: chart RBAC), kUnavailable (the API server), kInternal (an answer
// without a token).
Result<std::string> RequestServiceAccountToken(kube::Client& client,
                                               const ServiceAccountRef& sa);

// Fills `auth` for kubernetes auth with `store`'s identity and
// ServiceAccount; the token is requested (through `client`, which must
// outlive the login) only when the vault client logs in.
void SetKubernetesAuth(kube::Client& client, const StoreSpec& store,
                       vault::UniversalAuth& auth);

}  // namespace sealsync::op
