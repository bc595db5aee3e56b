#include "tests/fakes/infisical/token_service.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <vector>

namespace sealsync::infisical_double {
namespace {

constexpr char kIdentityAccessToken[] = "identityAccessToken";  // AuthTokenType
constexpr char kLockedMessage[] =
    "This identity auth method is temporarily locked, please try again later";

std::string B64UrlEncode(const std::string& in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (rest == 2) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> B64UrlDecode(const std::string& in) {
  std::string out;
  unsigned v = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '-' || c == '+')
      d = 62;
    else if (c == '_' || c == '/')
      d = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

std::string HmacSha256(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

}  // namespace

std::string TokenService::Sign(const Claims& c, long long iat_s,
                               long long ttl_s) const {
  Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  Json payload;
  payload["identityId"] = c.identity_id;
  payload["clientSecretId"] = c.client_secret_id;
  payload["identityAccessTokenId"] = c.token_id;
  payload["authTokenType"] = c.auth_token_type;
  payload["iat"] = iat_s;
  if (ttl_s > 0) payload["exp"] = iat_s + ttl_s;  // no exp for TTL 0
  std::string signing_input =
      B64UrlEncode(header.dump()) + "." + B64UrlEncode(payload.dump());
  return signing_input + "." + B64UrlEncode(HmacSha256(key_, signing_input));
}

std::expected<TokenService::Claims, std::string> TokenService::Verify(
    const std::string& token, long long now_ms) const {
  if (token.empty()) return std::unexpected("jwt must be provided");
  std::vector<std::string> parts(1);
  for (char c : token) {
    if (c == '.')
      parts.emplace_back();
    else
      parts.back() += c;
  }
  if (parts.size() != 3) return std::unexpected("jwt malformed");
  Json header, payload;
  try {
    auto h = B64UrlDecode(parts[0]);
    auto p = B64UrlDecode(parts[1]);
    if (!h || !p) return std::unexpected("invalid token");
    header = Json::parse(*h);
    payload = Json::parse(*p);
    if (!header.is_object() || !payload.is_object())
      return std::unexpected("invalid token");
  } catch (const std::exception&) {
    return std::unexpected("invalid token");
  }
  if (header.value("alg", "") != "HS256")
    return std::unexpected("invalid algorithm");
  std::string want = B64UrlEncode(HmacSha256(key_, parts[0] + "." + parts[1]));
  if (want.size() != parts[2].size() ||
      CRYPTO_memcmp(want.data(), parts[2].data(), want.size()) != 0)
    return std::unexpected("invalid signature");
  if (payload.contains("exp") && payload["exp"].is_number() &&
      now_ms / 1000 >= payload["exp"].get<long long>())
    return std::unexpected("jwt expired");
  Claims c;
  c.identity_id = payload.value("identityId", "");
  c.client_secret_id = payload.value("clientSecretId", "");
  c.token_id = payload.value("identityAccessTokenId", "");
  c.auth_token_type = payload.value("authTokenType", "");
  return c;
}

Json TokenService::TokenJson(const std::string& token, long long ttl,
                             long long max_ttl) const {
  Json j;
  j["accessToken"] = token;
  j["expiresIn"] = ttl;
  j["accessTokenMaxTTL"] = max_ttl;
  j["tokenType"] = "Bearer";
  return j;
}

std::expected<Json, ApiError> TokenService::Login(const VaultModel& model,
                                                  const std::string& client_id,
                                                  const std::string& secret,
                                                  long long now_ms) {
  const Identity* id = model.FindIdentityByClientId(client_id);
  if (!id) return std::unexpected(Unauthorized("Invalid credentials"));
  auto live = [&](const std::string& cid) -> Lockout* {
    auto it = lockouts_.find(cid);
    if (it == lockouts_.end()) return nullptr;
    if (it->second.expires_ms <= now_ms) {
      lockouts_.erase(it);
      return nullptr;
    }
    return &it->second;
  };
  Lockout* lock = live(client_id);
  if (lock && lock->locked_out)
    return std::unexpected(Unauthorized(kLockedMessage));
  if (secret != id->client_secret) {
    if (id->lockout_enabled) {
      Lockout l = lock ? *lock : Lockout{};
      ++l.failed_attempts;
      if (l.failed_attempts >= id->lockout_threshold) l.locked_out = true;
      l.expires_ms =
          now_ms + 1000 * (l.locked_out ? id->lockout_duration_s
                                        : id->lockout_counter_reset_s);
      lockouts_[client_id] = l;
    }
    return std::unexpected(Unauthorized("Invalid credentials"));
  }
  if (lock) lockouts_.erase(client_id);
  return Issue(*id, now_ms);
}

Json TokenService::Issue(const Identity& identity, long long now_ms) {
  const Identity* id = &identity;
  Claims c{id->id, id->client_secret_id,
           StableUuid(key_ + "|token|" + std::to_string(next_token_++)),
           kIdentityAccessToken};
  tokens_[c.token_id] = {id->id, now_ms, std::nullopt, id->access_token_ttl,
                         id->access_token_max_ttl};
  return TokenJson(Sign(c, now_ms / 1000, id->access_token_ttl),
                   id->access_token_ttl, id->access_token_max_ttl);
}

// validateAccessTokenExp: the TTL runs from the last renewal (or creation).
std::optional<ApiError> TokenService::CheckTtl(const std::string& token_id,
                                               long long now_ms) {
  const TokenRecord& r = tokens_.at(token_id);
  if (r.ttl_s > 0 &&
      now_ms > r.last_renewed_ms.value_or(r.created_ms) + 1000 * r.ttl_s) {
    tokens_.erase(token_id);
    return Unauthorized(
        "Failed to renew MI access token due to TTL expiration");
  }
  return std::nullopt;
}

std::expected<Json, ApiError> TokenService::Renew(const std::string& token,
                                                  long long now_ms) {
  auto claims = Verify(token, now_ms);
  if (!claims) return std::unexpected(TokenError(claims.error()));
  if (claims->auth_token_type != kIdentityAccessToken)
    return std::unexpected(
        BadRequest("Only identity access tokens can be renewed"));
  auto it = tokens_.find(claims->token_id);
  if (it == tokens_.end())
    return std::unexpected(Unauthorized("No identity access token found"));
  if (auto err = CheckTtl(claims->token_id, now_ms))
    return std::unexpected(*err);
  TokenRecord& r = tokens_.at(claims->token_id);
  if (r.max_ttl_s > 0) {
    const long long expiration = r.created_ms + 1000 * r.max_ttl_s;
    if (now_ms > expiration) {
      tokens_.erase(claims->token_id);
      return std::unexpected(Unauthorized(
          "Failed to renew MI access token due to Max TTL expiration"));
    }
    if (now_ms + 1000 * r.ttl_s > expiration) {
      tokens_.erase(claims->token_id);
      return std::unexpected(Unauthorized(
          "Failed to renew MI access token past its Max TTL expiration"));
    }
  }
  r.last_renewed_ms = now_ms;
  return TokenJson(Sign(*claims, now_ms / 1000, r.ttl_s), r.ttl_s, r.max_ttl_s);
}

std::expected<Json, ApiError> TokenService::Revoke(const std::string& token,
                                                   long long now_ms) {
  auto claims = Verify(token, now_ms);
  if (!claims) return std::unexpected(TokenError(claims.error()));
  if (claims->auth_token_type != kIdentityAccessToken)
    return std::unexpected(
        Unauthorized("Only identity access tokens can be revoked"));
  if (tokens_.erase(claims->token_id) == 0)
    return std::unexpected(Unauthorized("No identity access token found"));
  return Json{{"message", "Successfully revoked access token"}};
}

std::expected<std::string, ApiError> TokenService::Authenticate(
    const std::optional<std::string>& authorization, long long now_ms) {
  if (!authorization) return std::unexpected(Unauthorized("Token missing"));
  // inject-identity.ts: authHeader.slice(7), whatever the scheme word is.
  std::string token = authorization->size() > 7 ? authorization->substr(7) : "";
  auto claims = Verify(token, now_ms);
  if (!claims) return std::unexpected(TokenError(claims.error()));
  if (claims->auth_token_type != kIdentityAccessToken)
    return std::unexpected(Unauthorized("Token missing"));
  if (!tokens_.count(claims->token_id))
    return std::unexpected(Unauthorized("No identity access token found"));
  if (auto err = CheckTtl(claims->token_id, now_ms))
    return std::unexpected(*err);
  return tokens_.at(claims->token_id).identity_id;
}

}  // namespace sealsync::infisical_double
