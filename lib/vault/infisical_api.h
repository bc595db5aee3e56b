// InfisicalApi: one method per Infisical endpoint sealsync uses, each one
// request (no retries), with the host gate applied to every call: a 429
// closes the host, and while it is closed calls fail fast without a request.
// Errors name host, scope and key; never a secret value, client secret or
// token.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "lib/vault/host_gate.h"
#include "lib/vault/http.h"
#include "lib/vault/secret_parser.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

// What a failed call means for the caller, beyond its error code.
enum class Failure {
  kOther,           // act on the error code
  kTokenRejected,   // 401, or 403 TokenError, on a read or renew: log in again
  kBadCredentials,  // login 401 "Invalid credentials"
  kLocked,          // login 401 "... temporarily locked ..."
  kRateLimited,     // 429 now or earlier: the host gate is closed
};

struct CallError {
  Error error;
  Failure kind = Failure::kOther;
};

template <typename T>
using CallResult = std::expected<T, CallError>;

// The counters behind ClientStats.
struct Counters {
  std::atomic<uint64_t> logins{0}, renewals{0}, list_calls{0}, get_calls{0},
      not_modified{0}, rate_limited{0}, shared_hits{0};
};

// A list answer: `list` is empty on 304 Not Modified.
struct ListReply {
  std::optional<SecretList> list;
  std::string etag;
};

// Thread-safe.
class InfisicalApi {
 public:
  InfisicalApi(const Clock& clock, const ClientOptions& options,
               Counters& counters);

  // POST {base}/v1/auth/universal-auth/login, or for kubernetes auth
  // {base}/v1/auth/kubernetes-auth/login with a token minted for this login.
  // `auth.host_api` normalized.
  CallResult<TokenGrant> Login(const UniversalAuth& auth);

  // Every call goes to auth.host_api ("base"), trusting auth.ca_pem when set.
  // POST {base}/v1/auth/token/renew.
  CallResult<TokenGrant> Renew(const UniversalAuth& auth,
                               const std::string& token);

  // GET {base}/v3/secrets/raw for `scope` (path normalized), with
  // If-None-Match when `etag` is not empty.
  CallResult<ListReply> List(const UniversalAuth& auth,
                             const std::string& token, const SecretScope& scope,
                             const std::string& etag);

  // GET {base}/v3/secrets/raw/{name}; "/folder/KEY" reads KEY from folder
  // below the scope's path. kNotFound names the key.
  CallResult<VaultSecret> Get(const UniversalAuth& auth,
                              const std::string& token,
                              const SecretScope& scope,
                              const std::string& name);

 private:
  // Sends `req` unless the host is closed; maps network failures and 429.
  CallResult<HttpResponse> Send(const std::string& base, const HttpRequest& req,
                                const std::string& what,
                                std::atomic<uint64_t>& counter);

  const Clock& clock_;
  ClientOptions options_;
  Counters& counters_;
  HostGate gate_;
  HttpTransport http_;
};

}  // namespace sealsync::vault
