// The `auth` block of a SecretStore / ClusterSecretStore's Infisical provider:
// which login method, and where its credentials come from. Pure functions.
//
//   universalAuthCredentials {clientId, clientSecret}   Secret key refs
//   kubernetesAuth {identityId, serviceAccountRef {name, namespace,
//                   audiences}}                          no stored credential
//   tokenAuthCredentials {accessToken}                   Secret key ref
//
// Exactly one. A namespaced SecretStore reads Secrets and uses
// ServiceAccounts of its own namespace only (kPermissionDenied naming the
// field otherwise); a ClusterSecretStore names the namespace of each. Infisical
// methods sealsync does not implement (aws, azure, gcp, jwt, ldap, oci, and
// ESO's kubernetesAuthCredentials, which would log in as the operator itself)
// are refused by field name.
#pragma once

#include <string>

#include "operator/external_secret_spec.h"

namespace sealsync::op {

// Fills s.auth_method and its fields. `id` is "SecretStore ns/name".
// kInvalidArgument / kPermissionDenied naming the field.
Result<void> ParseStoreAuth(const kube::Json& auth, const std::string& id,
                            StoreSpec& s);

// A DNS-1123 subdomain (ServiceAccount and namespace names): lower-case
// alphanumerics, '-' and '.', 1..253 characters, alphanumeric at both ends.
bool IsDnsSubdomain(const std::string& name);

}  // namespace sealsync::op
