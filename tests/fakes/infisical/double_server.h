// The request handler of `infisical-double`: Infisical's API routes, the
// fault injector, the call counters and the `/__control/*` API. Transport
// (plain HTTP or TLS) lives in http_transport.h.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/fakes/infisical/api_error.h"
#include "tests/fakes/infisical/token_service.h"
#include "tests/fakes/infisical/vault_model.h"

namespace sealsync::infisical_double {

struct HttpRequest {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// What `POST /__control/faults` sets; see README.md.
struct Faults {
  long long latency_ms = 0;
  int fail_next = 0;
  int fail_status = 503;
  int rate_limit_next = 0;
  bool rate_limit_all = false;
  int retry_after_s = 60;
  std::set<std::string> endpoints;  // empty = every API endpoint
};

// A `DoubleServer` answers one request at a time under an internal mutex
// (latency faults sleep outside it), so `Handle` may be called from any
// number of connection threads.
class DoubleServer {
 public:
  // `log` gets one line per request (method, path, status); never bodies,
  // tokens or secret values. Null for silence.
  DoubleServer(Seed seed, std::ostream* log);

  [[nodiscard]] HttpResponse Handle(const HttpRequest& req);

  // The endpoint name a request counts under: login, renew, revoke, list,
  // get, other; "control" for /__control/*.
  [[nodiscard]] static std::string EndpointOf(const std::string& method,
                                              const std::string& path);

 private:
  struct Route {
    std::string endpoint, path;
    std::map<std::string, std::string> query;
  };
  using Result = std::expected<Json, ApiError>;

  HttpResponse HandleApi(const HttpRequest& req, const Route& route);
  HttpResponse HandleControl(const HttpRequest& req, const Route& route);
  Result Dispatch(const HttpRequest& req, const Route& route);
  Result SecretsList(const std::string& identity_id, const Route& route);
  Result SecretsGet(const std::string& identity_id, const Route& route);
  std::expected<const Project*, ApiError> ResolveProject(
      const std::string& identity_id, const std::string& id,
      const std::string& slug);
  std::optional<HttpResponse> InjectedFault(const std::string& endpoint,
                                            const std::string& req_id);
  HttpResponse JsonResponse(int status, const Json& body) const;
  long long NowMs() const;
  std::string NewReqId();
  void Count(const std::string& endpoint, int status);
  Json Counters() const;
  Json FaultsJson() const;

  mutable std::mutex mu_;
  const Seed initial_seed_;
  VaultModel model_;
  TokenService tokens_;
  Faults faults_;
  long long clock_offset_ms_ = 0;
  std::map<std::string, std::map<int, long long>> calls_;  // endpoint -> status
  std::mt19937_64 rng_;
  std::ostream* log_;
};

}  // namespace sealsync::infisical_double
