// Universal Auth login, token renew/revoke and bearer-token checks of the
// Infisical double, ported from identity-ua-service.ts,
// identity-access-token-service.ts and the auth plugins.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>

#include "tests/fakes/infisical/api_error.h"
#include "tests/fakes/infisical/vault_model.h"

namespace sealsync::infisical_double {

// A `TokenService` issues HS256 JWTs shaped like Infisical's identity access
// tokens (claims identityId, clientSecretId, identityAccessTokenId,
// authTokenType "identityAccessToken", iat, exp) signed with a per-process
// key, keeps the token records (created, last renewed, revoked) and the
// per-client-id lockout counters. Times are milliseconds since the epoch as
// given by the caller, so a test can move the clock. Not thread-safe: the
// server calls it under its own mutex.
class TokenService {
 public:
  explicit TokenService(std::string signing_key)
      : key_(std::move(signing_key)) {}

  // POST /api/v1/auth/universal-auth/login. Returns
  // {accessToken, expiresIn, accessTokenMaxTTL, tokenType}. Errors: 401
  // "Invalid credentials" (also on the failure that triggers a lockout), 401
  // "This identity auth method is temporarily locked, please try again later".
  [[nodiscard]] std::expected<Json, ApiError> Login(
      const VaultModel& model, const std::string& client_id,
      const std::string& secret, long long now_ms);
  // A new access token for `identity` (what every login method ends with):
  // {accessToken, expiresIn, accessTokenMaxTTL, tokenType}.
  [[nodiscard]] Json Issue(const Identity& identity, long long now_ms);
  // POST /api/v1/auth/token/renew: a new token, same shape as Login. Errors:
  // 403 TokenError (bad/expired JWT), 401 for a revoked token or one past
  // its TTL / Max TTL (the record is then deleted).
  [[nodiscard]] std::expected<Json, ApiError> Renew(const std::string& token,
                                                    long long now_ms);
  // POST /api/v1/auth/token/revoke: {message}. Errors as Renew.
  [[nodiscard]] std::expected<Json, ApiError> Revoke(const std::string& token,
                                                     long long now_ms);
  // The identity id behind an `Authorization` header value (nullopt when the
  // header is absent). Errors: 401 "Token missing", 403 TokenError, 401 "No
  // identity access token found".
  [[nodiscard]] std::expected<std::string, ApiError> Authenticate(
      const std::optional<std::string>& authorization, long long now_ms);

  // Drops every token record and lockout (control API reset).
  void Clear() {
    tokens_.clear();
    lockouts_.clear();
  }
  // Drops lockouts only (a new seed).
  void ClearLockouts() { lockouts_.clear(); }

 private:
  struct TokenRecord {
    std::string identity_id;
    long long created_ms = 0;
    std::optional<long long> last_renewed_ms;
    long long ttl_s = 0, max_ttl_s = 0;
  };
  struct Lockout {
    bool locked_out = false;
    int failed_attempts = 0;
    long long expires_ms = 0;
  };
  struct Claims {
    std::string identity_id, client_secret_id, token_id, auth_token_type;
  };

  std::string Sign(const Claims& c, long long iat_s, long long ttl_s) const;
  // jsonwebtoken's verify(): messages "jwt must be provided", "jwt
  // malformed", "invalid token", "invalid signature", "jwt expired".
  std::expected<Claims, std::string> Verify(const std::string& token,
                                            long long now_ms) const;
  std::optional<ApiError> CheckTtl(const std::string& token_id,
                                   long long now_ms);
  Json TokenJson(const std::string& token, long long ttl,
                 long long max_ttl) const;

  std::string key_;
  std::map<std::string, TokenRecord> tokens_;  // by identityAccessTokenId
  std::map<std::string, Lockout> lockouts_;    // by client id
  unsigned long long next_token_ = 0;
};

}  // namespace sealsync::infisical_double
