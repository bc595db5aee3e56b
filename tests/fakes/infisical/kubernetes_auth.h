// Kubernetes Auth login of the Infisical double (POST
// /api/v1/auth/kubernetes-auth/login {identityId, jwt}), ported from
// identity-kubernetes-auth-service.ts: the JWT is checked by the API server's
// TokenReview (authentication.k8s.io/v1), sent to the identity's
// kubernetesHost with the token reviewer JWT (or, without one, the login's own
// JWT) as bearer, with `audiences: [allowedAudience]` when one is set; then
// the reviewed user "system:serviceaccount:NS:NAME" must match
// allowedNamespaces / allowedNames and the review's audiences must include
// allowedAudience.
#pragma once

#include <expected>
#include <string>

#include "tests/fakes/infisical/api_error.h"
#include "tests/fakes/infisical/vault_model.h"

namespace sealsync::infisical_double {

// The reviewed identity, or the error the real server answers:
//   404 NotFound "Kubernetes auth method not found for identity, did you
//       configure Kubernetes auth?"
//   401 KubernetesTokenReviewError (review error / not authenticated; also
//       when the API server cannot be reached or refuses the reviewer)
//   401 UnauthorizedError "Access denied: K8s namespace not allowed." (name,
//       audience likewise)
// Blocking (one HTTPS call, 10 s timeout); no token is ever logged.
[[nodiscard]] std::expected<void, ApiError> ReviewKubernetesLogin(
    const Identity& identity, const std::string& jwt);

// picomatch.isMatch for the patterns Infisical's lists use: exact, or with
// '*' matching any run of characters.
[[nodiscard]] bool GlobMatch(const std::string& text,
                             const std::string& pattern);

}  // namespace sealsync::infisical_double
