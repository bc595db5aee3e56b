#include "lib/vault/infisical_api.h"

#include <nlohmann/json.hpp>

#include "lib/http/transport.h"
#include "lib/vault/host_policy.h"
#include "lib/vault/paths.h"

namespace sealsync::vault {
namespace {

using Json = nlohmann::json;

// Which endpoint an error answer came from: the same status means different
// things on login and on reads.
enum class Endpoint { kLogin, kRenew, kRead };

SecureBytes JsonBody(const Json& j) {
  std::string s = j.dump();
  SecureBytes out(s.begin(), s.end());
  SecureWipe(s.data(), s.size());
  return out;
}

void ReplaceAll(std::string& s, const std::string& from, std::string_view to) {
  if (from.size() < 4) return;  // too short to be a credential
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at))
    s.replace(at, from.size(), to);
}

// The `error` names Infisical answers with. Any other name is not quoted: a
// server could put anything there, including what we sent it.
bool KnownErrorName(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "UnauthorizedError", "ForbiddenError",   "BadRequest",
      "NotFound",          "TokenError",       "InternalServerError",
      "ValidationFailure", "PermissionDenied", "RateLimitExceeded",
  };
  for (std::string_view n : kNames)
    if (n == name) return true;
  return false;
}

// "HTTP 403 ForbiddenError: You are not ...". A read's message is quoted cut
// short and scrubbed of anything we sent that is secret; a login's or
// renew's message never is (the server could echo, transformed, the client
// id or secret we sent, and the status would carry it to the tenant). Bodies
// that are not Infisical's JSON (a proxy's 502) are not quoted.
std::string Describe(const HttpResponse& r, Endpoint ep,
                     std::initializer_list<const std::string*> secrets) {
  ApiErrorBody b = ParseErrorBody(r.body);
  std::string out = "HTTP " + std::to_string(r.status);
  if (KnownErrorName(b.error)) out += " " + b.error;
  if (!b.message.empty() && ep == Endpoint::kRead) {
    std::string m = b.message.substr(0, 240);
    for (const std::string* s : secrets) ReplaceAll(m, *s, "[redacted]");
    out += ": " + m;
  }
  return out;
}

CallError Failed(const HttpResponse& r, Endpoint ep, const std::string& what,
                 std::initializer_list<const std::string*> secrets) {
  const ApiErrorBody b = ParseErrorBody(r.body);
  const std::string msg = what + ": " + Describe(r, ep, secrets);
  auto err = [&](ErrorCode c, Failure k = Failure::kOther) {
    return CallError{Error(c, msg), k};
  };
  if (r.status == 401 && ep == Endpoint::kLogin) {
    if (b.message.find("locked") != std::string::npos) {
      return CallError{
          Error(ErrorCode::kUnauthenticated,
                msg + " (Infisical says the identity is temporarily locked "
                      "after too many failed logins)"),
          Failure::kLocked};
    }
    return err(ErrorCode::kUnauthenticated, Failure::kBadCredentials);
  }
  if (r.status == 401 || (r.status == 403 && b.error == "TokenError"))
    return err(ErrorCode::kUnauthenticated, Failure::kTokenRejected);
  if (r.status == 403) return err(ErrorCode::kPermissionDenied);
  if (r.status == 404) return err(ErrorCode::kNotFound);
  if (r.status == 400 || r.status == 422)
    return err(ErrorCode::kInvalidArgument);
  if (r.status >= 500 || r.status == 408) return err(ErrorCode::kUnavailable);
  return err(ErrorCode::kUnknown);
}

std::string BoolStr(bool b) { return b ? "true" : "false"; }

}  // namespace

InfisicalApi::InfisicalApi(const Clock& clock, const ClientOptions& options,
                           Counters& counters)
    : clock_(clock),
      options_(options),
      counters_(counters),
      gate_(clock),
      http_(options.ca_pem, options.max_response_bytes) {}

CallResult<HttpResponse> InfisicalApi::Send(const std::string& base,
                                            const HttpRequest& req,
                                            const std::string& what,
                                            std::atomic<uint64_t>& counter) {
  if (auto allowed = CheckVaultUrl(options_.hosts, req.url); !allowed)
    return std::unexpected(CallError{allowed.error().Wrap(what)});
  const std::string host = HostOf(base);
  if (auto closed = gate_.Check(host)) {
    ++counters_.rate_limited;
    return std::unexpected(
        CallError{closed->Wrap(what), Failure::kRateLimited});
  }
  ++counter;
  auto r = http_.Do(req);
  if (!r) {
    // An oversized answer keeps its code; anything else is the network.
    ErrorCode code = r.error().code() == ErrorCode::kResourceExhausted
                         ? ErrorCode::kResourceExhausted
                         : ErrorCode::kUnavailable;
    return std::unexpected(
        CallError{Error(code, what + ": " + r.error().message())});
  }
  if (r->status == 429) {
    ++counters_.rate_limited;
    auto wait =
        ParseRetryAfter(r->retry_after).value_or(options_.default_retry_after);
    return std::unexpected(
        CallError{gate_.Close(host, wait, what), Failure::kRateLimited});
  }
  return std::move(*r);
}

CallResult<TokenGrant> InfisicalApi::Login(const UniversalAuth& auth) {
  // Neither the client id nor the secret is named: a store may point its
  // clientId at any Secret key of its namespace, and this text reaches the
  // store's status.
  const std::string what = "could not log in to Infisical at " + auth.host_api;
  HttpRequest req;
  req.ca_pem = auth.ca_pem;
  req.method = "POST";
  req.headers = {"Content-Type: application/json", "Accept: application/json"};
  req.timeout = options_.timeout;
  std::string jwt;
  if (auth.method == AuthMethod::kKubernetes) {
    // A fresh ServiceAccount token for this login only.
    auto t = auth.service_account_token();
    if (!t) return std::unexpected(CallError{t.error().Wrap(what)});
    jwt = std::move(*t);
    req.url = auth.host_api + "/v1/auth/kubernetes-auth/login";
    req.body = JsonBody({{"identityId", auth.client_id}, {"jwt", jwt}});
  } else {
    req.url = auth.host_api + "/v1/auth/universal-auth/login";
    req.body = JsonBody(
        {{"clientId", auth.client_id}, {"clientSecret", auth.client_secret}});
  }
  auto r = Send(auth.host_api, req, what, counters_.logins);
  struct Wipe {
    std::string& s;
    ~Wipe() { SecureWipe(s.data(), s.size()); }
  } wipe{jwt};
  if (!r) return std::unexpected(r.error());
  if (r->status != 200)
    return std::unexpected(Failed(*r, Endpoint::kLogin, what,
                                  {&auth.client_secret, &auth.client_id}));
  auto g = ParseTokenGrant(r->body);
  if (!g) return std::unexpected(CallError{g.error().Wrap(what)});
  return *g;
}

CallResult<TokenGrant> InfisicalApi::Renew(const UniversalAuth& auth,
                                           const std::string& token) {
  const std::string& base = auth.host_api;
  const std::string what =
      "could not renew the Infisical access token at " + base;
  HttpRequest req;
  req.ca_pem = auth.ca_pem;
  req.method = "POST";
  req.url = base + "/v1/auth/token/renew";
  req.headers = {"Content-Type: application/json", "Accept: application/json"};
  req.body = JsonBody({{"accessToken", token}});
  req.timeout = options_.timeout;
  auto r = Send(base, req, what, counters_.renewals);
  if (!r) return std::unexpected(r.error());
  if (r->status != 200)
    return std::unexpected(Failed(*r, Endpoint::kRenew, what, {&token}));
  auto g = ParseTokenGrant(r->body);
  if (!g) return std::unexpected(CallError{g.error().Wrap(what)});
  return *g;
}

CallResult<ListReply> InfisicalApi::List(const UniversalAuth& auth,
                                         const std::string& token,
                                         const SecretScope& scope,
                                         const std::string& etag) {
  const std::string& base = auth.host_api;
  const std::string what = "could not list " + scope.ToString() + " at " + base;
  HttpRequest req;
  req.ca_pem = auth.ca_pem;
  req.url = base + "/v3/secrets/raw?workspaceSlug=" +
            http::UrlEncode(scope.project_slug) +
            "&environment=" + http::UrlEncode(scope.environment) +
            "&secretPath=" + http::UrlEncode(NormalizePath(scope.path)) +
            "&recursive=" + BoolStr(scope.recursive) +
            "&include_imports=" + BoolStr(scope.include_imports) +
            "&expandSecretReferences=" + BoolStr(scope.expand_references) +
            "&viewSecretValue=true";
  req.headers = {"Authorization: Bearer " + token, "Accept: application/json"};
  if (!etag.empty()) req.headers.push_back("If-None-Match: " + etag);
  req.timeout = options_.timeout;
  auto r = Send(base, req, what, counters_.list_calls);
  if (!r) return std::unexpected(r.error());
  if (r->status == 304 && !etag.empty()) {
    ++counters_.not_modified;
    return ListReply{std::nullopt, etag};
  }
  if (r->status != 200)
    return std::unexpected(Failed(*r, Endpoint::kRead, what, {&token}));
  auto list = ParseSecretList(r->body, scope);
  if (!list) return std::unexpected(CallError{list.error().Wrap(what)});
  list->fetched = clock_.Now();
  return ListReply{std::move(*list), r->etag};
}

CallResult<VaultSecret> InfisicalApi::Get(const UniversalAuth& auth,
                                          const std::string& token,
                                          const SecretScope& scope,
                                          const std::string& name) {
  const std::string& base = auth.host_api;
  std::string folder = NormalizePath(scope.path);
  std::string key = name;
  if (size_t slash = name.rfind('/'); slash != std::string::npos) {
    folder = JoinPath(scope.path, name.substr(0, slash));
    key = name.substr(slash + 1);
  }
  SecretScope at = scope;
  at.path = folder;
  const std::string where = at.ToString() + " at " + base;
  if (key.empty())
    return std::unexpected(
        CallError{Error(ErrorCode::kInvalidArgument,
                        "no key name in '" + name + "' for " + where)});
  const std::string what = "could not read key " + key + " in " + where;
  HttpRequest req;
  req.ca_pem = auth.ca_pem;
  req.url = base + "/v3/secrets/raw/" + http::UrlEncode(key) +
            "?workspaceSlug=" + http::UrlEncode(scope.project_slug) +
            "&environment=" + http::UrlEncode(scope.environment) +
            "&secretPath=" + http::UrlEncode(folder) + "&type=shared" +
            "&include_imports=" + BoolStr(scope.include_imports) +
            "&expandSecretReferences=" + BoolStr(scope.expand_references) +
            "&viewSecretValue=true";
  req.headers = {"Authorization: Bearer " + token, "Accept: application/json"};
  req.timeout = options_.timeout;
  auto r = Send(base, req, what, counters_.get_calls);
  if (!r) return std::unexpected(r.error());
  if (r->status == 404) {
    return std::unexpected(
        CallError{Error(ErrorCode::kNotFound,
                        "key " + key + " not found in " + where + " (" +
                            Describe(*r, Endpoint::kRead, {&token}) + ")")});
  }
  if (r->status != 200)
    return std::unexpected(Failed(*r, Endpoint::kRead, what, {&token}));
  auto s = ParseSecret(r->body, folder, where);
  if (!s) return std::unexpected(CallError{s.error().Wrap(what)});
  return *s;
}

}  // namespace sealsync::vault
