#include "lib/vault/infisical_client.h"

#include "lib/vault/paths.h"

namespace sealsync::vault {
namespace {

// Checks and normalizes what the caller gave.
Result<UniversalAuth> Normalized(const UniversalAuth& auth) {
  UniversalAuth a = auth;
  a.host_api = NormalizeApiBase(a.host_api);
  if (!a.host_api.starts_with("http://") && !a.host_api.starts_with("https://"))
    return MakeError(
        ErrorCode::kInvalidArgument,
        "Infisical hostAPI '" + a.host_api + "' is not an http(s) URL");
  switch (a.method) {
    case AuthMethod::kUniversal:
      if (a.client_id.empty() || a.client_secret.empty())
        return MakeError(ErrorCode::kInvalidArgument,
                         "Infisical universal auth for " + a.host_api +
                             " needs a client id and a client secret");
      break;
    case AuthMethod::kKubernetes:
      if (a.client_id.empty() || a.service_account.empty() ||
          !a.service_account_token)
        return MakeError(ErrorCode::kInvalidArgument,
                         "Infisical kubernetes auth for " + a.host_api +
                             " needs an identity id and a ServiceAccount");
      break;
    case AuthMethod::kToken:
      if (a.client_secret.empty())
        return MakeError(ErrorCode::kInvalidArgument,
                         "Infisical token auth for " + a.host_api +
                             " needs an access token");
      break;
  }
  return a;
}

Result<SecretScope> Normalized(const SecretScope& scope) {
  SecretScope s = scope;
  s.path = NormalizePath(s.path);
  if (s.project_slug.empty() || s.environment.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "Infisical scope '" + s.ToString() +
                         "' needs a project slug and an environment");
  return s;
}

}  // namespace

InfisicalClient::InfisicalClient(const Clock& clock, ClientOptions options)
    : clock_(clock),
      api_(clock, options, counters_),
      tokens_(clock, api_),
      lists_(clock) {}

template <typename T, typename F>
Result<T> InfisicalClient::WithToken(const UniversalAuth& auth, F&& call) {
  auto token = tokens_.Acquire(auth);
  if (!token) return std::unexpected(token.error());
  CallResult<T> r = call(*token);
  if (!r && r.error().kind == Failure::kTokenRejected) {
    tokens_.Invalidate(auth, *token);
    token = tokens_.Acquire(auth);
    if (!token) return std::unexpected(token.error());
    r = call(*token);
  }
  if (!r) return std::unexpected(r.error().error);
  return std::move(*r);
}

Result<void> InfisicalClient::Verify(const UniversalAuth& auth) {
  auto a = Normalized(auth);
  if (!a) return std::unexpected(a.error());
  auto token = tokens_.Acquire(*a);
  if (!token) return std::unexpected(token.error());
  return {};
}

Result<std::shared_ptr<const SecretList>> InfisicalClient::List(
    const UniversalAuth& auth, const SecretScope& scope,
    const Freshness& fresh) {
  auto a = Normalized(auth);
  if (!a) return std::unexpected(a.error());
  auto s = Normalized(scope);
  if (!s) return std::unexpected(s.error());
  // The cache is shared by identity, so prove these credentials first (a
  // cached token for the same client secret costs nothing).
  if (auto token = tokens_.Acquire(*a); !token)
    return std::unexpected(token.error());
  auto fetch = [&](const std::shared_ptr<const SecretList>& cached,
                   const std::string& etag) -> Result<ListCache::Fetched> {
    auto reply = WithToken<ListReply>(*a, [&](const std::string& token) {
      return api_.List(*a, token, *s, cached ? etag : "");
    });
    if (!reply) return std::unexpected(reply.error());
    if (reply->list) {
      return ListCache::Fetched{
          std::make_shared<const SecretList>(std::move(*reply->list)),
          reply->etag};
    }
    // 304: the same secrets, fetched now.
    auto copy = std::make_shared<SecretList>(*cached);
    copy->fetched = clock_.Now();
    return ListCache::Fetched{std::move(copy), reply->etag};
  };
  return lists_.Get({a->host_api, a->client_id, *s}, fresh, fetch,
                    counters_.shared_hits);
}

Result<VaultSecret> InfisicalClient::Get(const UniversalAuth& auth,
                                         const SecretScope& scope,
                                         const std::string& name) {
  auto a = Normalized(auth);
  if (!a) return std::unexpected(a.error());
  auto s = Normalized(scope);
  if (!s) return std::unexpected(s.error());
  return WithToken<VaultSecret>(*a, [&](const std::string& token) {
    return api_.Get(*a, token, *s, name);
  });
}

ClientStats InfisicalClient::stats() const {
  ClientStats s;
  s.logins = counters_.logins.load();
  s.renewals = counters_.renewals.load();
  s.list_calls = counters_.list_calls.load();
  s.get_calls = counters_.get_calls.load();
  s.not_modified = counters_.not_modified.load();
  s.rate_limited = counters_.rate_limited.load();
  s.shared_hits = counters_.shared_hits.load();
  return s;
}

std::unique_ptr<Client> NewInfisicalClient(const Clock& clock,
                                           ClientOptions options) {
  return std::make_unique<InfisicalClient>(clock, std::move(options));
}

}  // namespace sealsync::vault
