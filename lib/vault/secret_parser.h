// Parsing of Infisical's JSON answers (login/renew, list, get, error bodies).
// nlohmann_json exceptions stop here. Parse errors never quote the body: it
// may hold tokens or secret values.
#pragma once

#include <chrono>
#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

// {accessToken, expiresIn, accessTokenMaxTTL, tokenType}. 0 s means "never
// expires" / "no max TTL".
struct TokenGrant {
  std::string access_token;  // a secret
  std::chrono::seconds expires_in{0};
  std::chrono::seconds max_ttl{0};
};

// kInternal if the body is not a token answer.
Result<TokenGrant> ParseTokenGrant(const SecureBytes& body);

// GET /v3/secrets/raw -> {secrets:[...], imports:[{secretPath, environment,
// secrets:[...]}]}. Own secrets come first in the server's order (for a
// recursive list: a folder before its children), each with its secretPath;
// then imported keys no own secret has, a later import winning over an
// earlier one (as the Infisical CLI and Get's fallback do), each with the
// import's path. kPermissionDenied if values are hidden from the identity;
// kInternal on a malformed body.
Result<SecretList> ParseSecretList(const SecureBytes& body,
                                   const SecretScope& scope);

// GET /v3/secrets/raw/{name} -> {secret:{...}}; `where` names it in errors.
Result<VaultSecret> ParseSecret(const SecureBytes& body,
                                const std::string& default_path,
                                const std::string& where);

// The {statusCode, error, message} of an error answer; empty strings when the
// body is not Infisical's JSON (a proxy's 502, say).
struct ApiErrorBody {
  std::string error;
  std::string message;
};
ApiErrorBody ParseErrorBody(const SecureBytes& body);

}  // namespace sealsync::vault
