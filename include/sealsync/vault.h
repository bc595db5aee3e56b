// The vault seam: reading secrets from Infisical with a read-only machine
// identity (Universal Auth). Controllers see only this interface; lib/vault
// implements it over libcurl; tests use the Infisical double
// (tests/fakes/infisical).
//
// Errors (messages name host, project, environment, path and key, never a
// secret value, client secret or token):
//   kUnauthenticated   bad client id/secret, or the identity is locked
//                      (not retried before the lock can have expired)
//   kPermissionDenied  the identity may not read that project
//   kNotFound          no such secret / key ("key DB_PASS not found in ...")
//   kResourceExhausted 429: the whole host is avoided until retry-after
//   kUnavailable       5xx or network: retry with backoff
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sealsync/clock.h"
#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::vault {

inline constexpr std::string_view kInfisicalCloud =
    "https://app.infisical.com/api";

// How a machine identity logs in (Infisical's auth methods).
enum class AuthMethod {
  kUniversal,   // POST /v1/auth/universal-auth/login {clientId, clientSecret}
  kKubernetes,  // POST /v1/auth/kubernetes-auth/login {identityId, jwt}
  kToken,       // a pre-issued access token: no login, no renewal
};

// A machine identity and how it proves itself. `client_secret` is a secret.
// kUniversal: client_id and client_secret. kKubernetes: client_id is the
// identityId, `service_account` names the ServiceAccount ("ns/name") and
// `service_account_token` mints a short-lived token for it, called only when
// a login is needed (the token is a secret, wiped after the login).
// kToken: client_secret is the access token, client_id a name for it
// (e.g. "Secret ns/name") used only to keep identities apart.
struct UniversalAuth {
  std::string host_api = std::string(kInfisicalCloud);  // ".../api" base
  std::string client_id;
  std::string client_secret;
  // PEM certificates trusted for host_api's TLS, for this store only (a
  // self-hosted Infisical with a private CA); empty: the client's trust.
  std::string ca_pem;
  AuthMethod method = AuthMethod::kUniversal;
  std::string service_account;
  std::function<Result<std::string>()> service_account_token;
};

// What to read: ESO's secretsScope.
struct SecretScope {
  std::string project_slug;
  std::string environment;
  std::string path = "/";
  bool recursive = false;
  bool expand_references = true;
  bool include_imports = true;
  bool operator<(const SecretScope& o) const;
  std::string ToString() const;  // "project/env:/path[ recursive]"
};

struct VaultSecret {
  std::string key;
  SecureBytes value;
  std::string path;  // folder it lives in
  int64_t version = 0;
};

// The secrets of one scope at one moment. Own secrets win over imported ones
// of the same key.
struct SecretList {
  std::vector<VaultSecret> secrets;
  std::chrono::steady_clock::time_point fetched;
  std::string path =
      "/";  // the scope's folder; "/a/KEY" in Find is relative to it
  // Finds by key (and, for recursive lists, path "/a/KEY" form too).
  const VaultSecret* Find(std::string_view key) const;
};

// How fresh a shared list must be for one caller: fetched less than
// `max_age` ago and, for a forced sync, requested at or after
// `requested_after` (a list whose request left before that moment may
// predate what the caller asked for; one requested after it may be shared by
// every caller of that force, however long they queued). Converts from any
// duration, the plain max_age.
struct Freshness {
  template <typename Rep, typename Period>
  Freshness(std::chrono::duration<Rep, Period> max_age)  // NOLINT: implicit
      : max_age(
            std::chrono::duration_cast<std::chrono::milliseconds>(max_age)) {}
  std::chrono::milliseconds max_age;
  std::optional<std::chrono::steady_clock::time_point> requested_after;
};

// Counters since the client was made. logins, renewals, list_calls and
// get_calls count requests sent; not_modified counts 304 answers to lists;
// rate_limited counts 429 answers and calls refused without a request while
// a host's retry-after runs; shared_hits counts List calls answered by another
// caller's fetch (cached within max_age, or joined while in flight).
struct ClientStats {
  uint64_t logins = 0, renewals = 0, list_calls = 0, get_calls = 0,
           not_modified = 0, rate_limited = 0, shared_hits = 0;
};

// Thread-safe. One access token per (host, client id), renewed before it
// expires, a fresh login past its max TTL or after a 403 TokenError (once).
class Client {
 public:
  virtual ~Client() = default;

  // Logs in (or reuses a valid token): proves the credentials work.
  virtual Result<void> Verify(const UniversalAuth& auth) = 0;

  // The scope's secrets, shared: every caller asking for the same (host,
  // identity, scope) gets the last fetch's result if it is fresh enough for
  // it (`fresh`), and concurrent callers wait for one in-flight call (one
  // whose request was sent early enough for them). Uses ETag/If-None-Match
  // when refreshing.
  virtual Result<std::shared_ptr<const SecretList>> List(
      const UniversalAuth& auth, const SecretScope& scope,
      const Freshness& fresh) = 0;

  // One secret by name (GET /api/v3/secrets/raw/{name}); `name` may be a
  // path "/folder/KEY" relative to the scope's path.
  virtual Result<VaultSecret> Get(const UniversalAuth& auth,
                                  const SecretScope& scope,
                                  const std::string& name) = 0;

  virtual ClientStats stats() const = 0;
};

// Which vault hosts a client may call (lib/vault/host_policy.h). The default
// is any host over https only.
struct HostPolicy {
  std::vector<std::string> allowed_hosts = {"*"};
  std::vector<std::string> insecure_hosts;  // may be called over plain http
};

struct ClientOptions {
  std::chrono::milliseconds timeout{15000};
  std::chrono::seconds default_retry_after{60};  // a 429 without retry-after
  std::string ca_pem;  // extra trust for self-hosted Infisical; empty: system
  HostPolicy hosts;
  // Bodies larger than this are refused while they arrive (a list of every
  // secret of a big project is a few MiB).
  size_t max_response_bytes = size_t{32} << 20;
};

std::unique_ptr<Client> NewInfisicalClient(const Clock& clock,
                                           ClientOptions options = {});

}  // namespace sealsync::vault
