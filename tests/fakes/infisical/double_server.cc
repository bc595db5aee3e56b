#include "tests/fakes/infisical/double_server.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "tests/fakes/infisical/http_util.h"
#include "tests/fakes/infisical/kubernetes_auth.h"

namespace sealsync::infisical_double {
namespace {

const std::set<std::string> kApiEndpoints = {"login", "renew", "revoke", "list",
                                             "get"};

std::string RandomKey() {
  unsigned char buf[32];
  if (RAND_bytes(buf, sizeof buf) != 1) {
    std::random_device rd;
    for (auto& b : buf) b = static_cast<unsigned char>(rd());
  }
  return std::string(reinterpret_cast<char*>(buf), sizeof buf);
}

std::string IsoTime(long long ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, ms % 1000);
  return buf;
}

std::string TypeName(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "string";
}

// zod issues for `z.object({field: z.string().trim(), ...})` on a body.
std::optional<ApiError> RequireStrings(const std::optional<Json>& body,
                                       const std::vector<std::string>& fields) {
  if (!body || !body->is_object()) {
    std::string got = body ? TypeName(*body) : "undefined";
    return Validation(
        {{"code", "invalid_type"},
         {"expected", "object"},
         {"received", got},
         {"path", Json::array()},
         {"message", body ? "Expected object, received " + got : "Required"}});
  }
  Json issues = Json::array();
  for (const auto& f : fields) {
    if (body->contains(f) && (*body)[f].is_string()) continue;
    std::string got = body->contains(f) ? TypeName((*body)[f]) : "undefined";
    issues.push_back(
        {{"code", "invalid_type"},
         {"expected", "string"},
         {"received", got},
         {"path", Json::array({f})},
         {"message", got == "undefined" ? "Required"
                                        : "Expected string, received " + got}});
  }
  if (issues.empty()) return std::nullopt;
  ApiError e = Validation(issues[0]);
  e.message = issues;
  return e;
}

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// convertStringBoolean: z.enum(["true","false"]).default(...).
std::expected<bool, ApiError> QueryBool(
    const std::map<std::string, std::string>& q, const std::string& name,
    bool def) {
  auto it = q.find(name);
  if (it == q.end()) return def;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return std::unexpected(Validation(
      {{"received", it->second},
       {"code", "invalid_enum_value"},
       {"options", {"true", "false"}},
       {"path", Json::array({name})},
       {"message", "Invalid enum value. Expected 'true' | 'false', received '" +
                       it->second + "'"}}));
}

std::string QueryStr(const std::map<std::string, std::string>& q,
                     const std::string& name, const std::string& def = "") {
  auto it = q.find(name);
  return it == q.end() ? def : Trim(it->second);
}

// removeTrailingSlash after z.string().trim().default("/").
std::string QueryPath(const std::map<std::string, std::string>& q) {
  std::string p = QueryStr(q, "secretPath", "/");
  if (p != "/" && !p.empty() && p.back() == '/') p.pop_back();
  return p.empty() ? "/" : p;
}

}  // namespace

DoubleServer::DoubleServer(Seed seed, std::ostream* log)
    : initial_seed_(seed),
      model_(std::move(seed)),
      tokens_(RandomKey()),
      rng_(std::random_device{}()),
      log_(log) {}

std::string DoubleServer::EndpointOf(const std::string& method,
                                     const std::string& path) {
  if (path.starts_with("/__control/") || path == "/__control") return "control";
  if (method == "POST" && (path == "/api/v1/auth/universal-auth/login" ||
                           path == "/api/v1/auth/kubernetes-auth/login"))
    return "login";
  if (method == "POST" && path == "/api/v1/auth/token/renew") return "renew";
  if (method == "POST" && path == "/api/v1/auth/token/revoke") return "revoke";
  if (method == "GET" && path == "/api/v3/secrets/raw") return "list";
  if (method == "GET" && path.starts_with("/api/v3/secrets/raw/") &&
      path.find('/', sizeof("/api/v3/secrets/raw/") - 1) == std::string::npos)
    return "get";
  return "other";
}

long long DoubleServer::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         clock_offset_ms_;
}

// fastify genReqId: `req-${alphaNumericNanoId(14)}`.
std::string DoubleServer::NewReqId() {
  static constexpr char kAlnum[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id = "req-";
  for (int i = 0; i < 14; ++i) id += kAlnum[rng_() % 62];
  return id;
}

HttpResponse DoubleServer::JsonResponse(int status, const Json& body) const {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  r.headers.emplace_back("content-type", "application/json; charset=utf-8");
  return r;
}

void DoubleServer::Count(const std::string& endpoint, int status) {
  ++calls_[endpoint][status];
}

HttpResponse DoubleServer::Handle(const HttpRequest& req) {
  Route route;
  auto [path, query] = SplitTarget(req.target);
  // fastify ignoreTrailingSlash
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  route.path = path;
  route.query = std::move(query);
  route.endpoint = EndpointOf(req.method, route.path);

  HttpResponse res;
  if (route.endpoint == "control") {
    std::lock_guard lock(mu_);
    res = HandleControl(req, route);
  } else {
    long long latency = 0;
    {
      std::lock_guard lock(mu_);
      if (faults_.endpoints.empty() || faults_.endpoints.count(route.endpoint))
        latency = faults_.latency_ms;
    }
    if (latency > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(latency));
    std::lock_guard lock(mu_);
    res = HandleApi(req, route);
    Count(route.endpoint, res.status);
  }
  if (log_) {
    std::lock_guard lock(mu_);
    *log_ << "infisical-double: " << req.method << " " << route.path << " -> "
          << res.status << " (" << route.endpoint << ")" << std::endl;
  }
  return res;
}

std::optional<HttpResponse> DoubleServer::InjectedFault(
    const std::string& endpoint, const std::string& req_id) {
  if (!faults_.endpoints.empty() && !faults_.endpoints.count(endpoint))
    return std::nullopt;
  if (faults_.rate_limit_all || faults_.rate_limit_next > 0) {
    if (faults_.rate_limit_next > 0) --faults_.rate_limit_next;
    const std::string s = std::to_string(faults_.retry_after_s);
    // globalRateLimiterCfg's errorResponseBuilder throws RateLimitError.
    ApiError e{429, "RateLimitExceeded",
               "Rate limit exceeded. Please try again in " + s + " seconds"};
    HttpResponse r = JsonResponse(429, e.Body(req_id));
    r.headers.emplace_back("x-ratelimit-limit", "60");
    r.headers.emplace_back("x-ratelimit-remaining", "0");
    r.headers.emplace_back("x-ratelimit-reset", s);
    r.headers.emplace_back("retry-after", s);
    return r;
  }
  if (faults_.fail_next > 0) {
    --faults_.fail_next;
    if (faults_.fail_status == 500)
      return JsonResponse(500, InternalError().Body(req_id));
    // 502/503/504 come from the proxy in front of Infisical, not from it.
    HttpResponse r;
    r.status = faults_.fail_status;
    r.body = faults_.fail_status == 502   ? "Bad Gateway"
             : faults_.fail_status == 504 ? "Gateway Timeout"
                                          : "Service Unavailable";
    r.headers.emplace_back("content-type", "text/plain; charset=utf-8");
    return r;
  }
  return std::nullopt;
}

HttpResponse DoubleServer::HandleApi(const HttpRequest& req,
                                     const Route& route) {
  const std::string req_id = NewReqId();
  if (auto fault = InjectedFault(route.endpoint, req_id)) return *fault;
  HttpResponse res;
  if (route.endpoint == "other") {
    // fastify's default 404 handler
    res = JsonResponse(404, Json{{"message", "Route " + req.method + ":" +
                                                 req.target + " not found"},
                                 {"error", "Not Found"},
                                 {"statusCode", 404}});
  } else {
    Result r = Dispatch(req, route);
    res = r ? JsonResponse(200, *r)
            : JsonResponse(r.error().status, r.error().Body(req_id));
  }
  // @fastify/etag (registered globally in backend/src/server/app.ts): a strong
  // ETag over every serialized payload, 304 with an empty body on an exact
  // If-None-Match match.
  const std::string etag = Fnv1aEtag(res.body);
  res.headers.emplace_back("etag", etag);
  auto inm = req.headers.find("if-none-match");
  if (inm != req.headers.end() && inm->second == etag) {
    res.status = 304;
    res.body.clear();
    std::erase_if(res.headers,
                  [](const auto& h) { return h.first == "content-type"; });
  }
  return res;
}

DoubleServer::Result DoubleServer::Dispatch(const HttpRequest& req,
                                            const Route& route) {
  const long long now = NowMs();
  if (route.endpoint == "login" || route.endpoint == "renew" ||
      route.endpoint == "revoke") {
    auto body = ParseBody(req);
    if (!body) return std::unexpected(InternalError());  // fastify parse error
    if (route.endpoint == "login" &&
        route.path == "/api/v1/auth/kubernetes-auth/login") {
      if (auto e = RequireStrings(*body, {"identityId", "jwt"}))
        return std::unexpected(*e);
      const Identity* id = model_.FindIdentityById(
          Trim((**body)["identityId"].get<std::string>()));
      if (id == nullptr || !id->kubernetes_auth)
        return std::unexpected(
            NotFound("Kubernetes auth method not found for identity, did you "
                     "configure Kubernetes auth?"));
      if (auto ok = ReviewKubernetesLogin(
              *id, Trim((**body)["jwt"].get<std::string>()));
          !ok)
        return std::unexpected(ok.error());
      return tokens_.Issue(*id, now);
    }
    if (route.endpoint == "login") {
      if (auto e = RequireStrings(*body, {"clientId", "clientSecret"}))
        return std::unexpected(*e);
      return tokens_.Login(
          model_, Trim((**body)["clientId"].get<std::string>()),
          Trim((**body)["clientSecret"].get<std::string>()), now);
    }
    if (auto e = RequireStrings(*body, {"accessToken"}))
      return std::unexpected(*e);
    const std::string token = Trim((**body)["accessToken"].get<std::string>());
    return route.endpoint == "renew" ? tokens_.Renew(token, now)
                                     : tokens_.Revoke(token, now);
  }
  std::optional<std::string> authz;
  if (auto it = req.headers.find("authorization"); it != req.headers.end())
    authz = it->second;
  auto identity = tokens_.Authenticate(authz, now);
  if (!identity) return std::unexpected(identity.error());
  if (!model_.FindIdentityById(*identity))
    return std::unexpected(Unauthorized("No identity access token found"));
  return route.endpoint == "list" ? SecretsList(*identity, route)
                                  : SecretsGet(*identity, route);
}

std::expected<const Project*, ApiError> DoubleServer::ResolveProject(
    const std::string& identity_id, const std::string& id,
    const std::string& slug) {
  const Project* p = nullptr;
  std::string pid = id;
  if (pid.empty()) {
    p = model_.FindProjectBySlug(slug);
    if (!p)
      return std::unexpected(
          NotFound("Project with slug '" + slug + "' not found"));
    pid = p->id;
  }
  p = model_.FindProjectById(pid);
  if (!p)
    return std::unexpected(NotFound("Project with " + pid + " not found"));
  if (!VaultModel::IsMember(*model_.FindIdentityById(identity_id), *p))
    return std::unexpected(Forbidden(
        "You are not a member of this project with ID " + pid +
            ". Please assign this identity to the project with the appropriate "
            "permissions, then try again.",
        "ProjectMembershipNotFound"));
  return p;
}

DoubleServer::Result DoubleServer::SecretsList(const std::string& identity_id,
                                               const Route& route) {
  ListQuery q;
  q.environment = QueryStr(route.query, "environment");
  q.secret_path = QueryPath(route.query);
  auto view = QueryBool(route.query, "viewSecretValue", true);
  auto expand = QueryBool(route.query, "expandSecretReferences", false);
  auto recursive = QueryBool(route.query, "recursive", false);
  auto imports = QueryBool(route.query, "include_imports", false);
  for (auto* b : {&view, &expand, &recursive, &imports})
    if (!*b) return std::unexpected(b->error());
  q.view_secret_value = *view;
  q.expand = *expand;
  q.recursive = *recursive;
  q.include_imports = *imports;
  const std::string id = QueryStr(route.query, "workspaceId");
  const std::string slug = QueryStr(route.query, "workspaceSlug");
  if ((id.empty() && slug.empty()) || q.environment.empty())
    return std::unexpected(BadRequest("Missing project id or environment"));
  auto project = ResolveProject(identity_id, id, slug);
  if (!project) return std::unexpected(project.error());
  return model_.List(**project, q);
}

DoubleServer::Result DoubleServer::SecretsGet(const std::string& identity_id,
                                              const Route& route) {
  GetQuery q;
  q.secret_name = Trim(
      PercentDecode(route.path.substr(sizeof("/api/v3/secrets/raw/") - 1)));
  q.environment = QueryStr(route.query, "environment");
  q.secret_path = QueryPath(route.query);
  q.type = QueryStr(route.query, "type", "shared");
  if (q.type != "shared" && q.type != "personal")
    return std::unexpected(Validation(
        {{"received", q.type},
         {"code", "invalid_enum_value"},
         {"options", {"shared", "personal"}},
         {"path", {"type"}},
         {"message",
          "Invalid enum value. Expected 'shared' | 'personal', received '" +
              q.type + "'"}}));
  auto view = QueryBool(route.query, "viewSecretValue", true);
  auto expand = QueryBool(route.query, "expandSecretReferences", false);
  auto imports = QueryBool(route.query, "include_imports", false);
  for (auto* b : {&view, &expand, &imports})
    if (!*b) return std::unexpected(b->error());
  q.view_secret_value = *view;
  q.expand = *expand;
  q.include_imports = *imports;
  if (auto v = QueryStr(route.query, "version"); !v.empty()) {
    try {
      q.version = std::stoi(v);
    } catch (const std::exception&) {
      return std::unexpected(
          Validation({{"code", "invalid_type"},
                      {"expected", "number"},
                      {"received", "nan"},
                      {"path", {"version"}},
                      {"message", "Expected number, received nan"}}));
    }
  }
  const std::string id = QueryStr(route.query, "workspaceId");
  const std::string slug = QueryStr(route.query, "workspaceSlug");
  if ((id.empty() && slug.empty()) || q.environment.empty())
    return std::unexpected(BadRequest("Missing project id or environment"));
  auto project = ResolveProject(identity_id, id, slug);
  if (!project) return std::unexpected(project.error());
  return model_.Get(**project, q);
}

Json DoubleServer::Counters() const {
  Json out;
  long long total = 0;
  Json by_status = Json::object();
  for (const auto& ep : {"login", "renew", "revoke", "list", "get", "other"}) {
    Json e;
    long long calls = 0;
    Json st = Json::object();
    if (auto it = calls_.find(ep); it != calls_.end()) {
      for (const auto& [status, n] : it->second) {
        calls += n;
        st[std::to_string(status)] = n;
        const std::string k = std::to_string(status);
        by_status[k] = by_status.value(k, 0LL) + n;
      }
    }
    e["calls"] = calls;
    e["by_status"] = st;
    out[ep] = e;
    total += calls;
  }
  out["total"] = total;
  out["by_status"] = by_status;
  out["not_modified"] = by_status.value("304", 0LL);
  return out;
}

Json DoubleServer::FaultsJson() const {
  Json f;
  f["latency_ms"] = faults_.latency_ms;
  f["fail_next"] = faults_.fail_next;
  f["fail_status"] = faults_.fail_status;
  f["rate_limit_next"] = faults_.rate_limit_next;
  f["rate_limit_all"] = faults_.rate_limit_all;
  f["retry_after_s"] = faults_.retry_after_s;
  f["endpoints"] = faults_.endpoints;
  return f;
}

HttpResponse DoubleServer::HandleControl(const HttpRequest& req,
                                         const Route& route) {
  auto bad = [&](const std::string& msg) {
    return JsonResponse(400, Json{{"error", msg}});
  };
  const std::string& p = route.path;
  if (req.method == "GET" && p == "/__control/health")
    return JsonResponse(200, {{"ok", true}});
  if (req.method == "GET" && p == "/__control/calls")
    return JsonResponse(200, Counters());
  if (req.method == "GET" && p == "/__control/faults")
    return JsonResponse(200, FaultsJson());
  if (req.method != "POST")
    return JsonResponse(404, {{"error", "no such control route"}});

  std::optional<Json> body;
  if (!req.body.empty()) {
    try {
      body = Json::parse(req.body);
    } catch (const std::exception& e) {
      return bad(std::string("body is not JSON: ") + e.what());
    }
  }
  const Json b = body.value_or(Json::object());
  try {
    if (p == "/__control/reset") {
      model_ = VaultModel(initial_seed_);
      tokens_.Clear();
      faults_ = Faults{};
      calls_.clear();
      clock_offset_ms_ = 0;
      return JsonResponse(200, {{"ok", true}});
    }
    if (p == "/__control/faults") {
      if (b.contains("latency_ms")) faults_.latency_ms = b["latency_ms"];
      if (b.contains("fail_next")) faults_.fail_next = b["fail_next"];
      if (b.contains("fail_status")) {
        int s = b["fail_status"];
        if (s != 500 && s != 502 && s != 503 && s != 504)
          return bad("fail_status: 500|502|503|504");
        faults_.fail_status = s;
      }
      if (b.contains("rate_limit_next"))
        faults_.rate_limit_next = b["rate_limit_next"];
      if (b.contains("rate_limit_all"))
        faults_.rate_limit_all = b["rate_limit_all"];
      if (b.contains("retry_after_s"))
        faults_.retry_after_s = b["retry_after_s"];
      if (b.contains("endpoints")) {
        std::set<std::string> eps;
        for (const auto& e : b["endpoints"]) {
          if (!kApiEndpoints.count(e))
            return bad("unknown endpoint " + e.dump());
          eps.insert(e.get<std::string>());
        }
        faults_.endpoints = std::move(eps);
      }
      return JsonResponse(200, FaultsJson());
    }
    if (p == "/__control/seed") {
      auto seed = ParseSeed(b);
      if (!seed) return bad(seed.error());
      model_ = VaultModel(std::move(*seed));
      tokens_.ClearLockouts();
      return JsonResponse(200, {{"ok", true}});
    }
    if (p == "/__control/secret") {
      const auto project = b.at("project").get<std::string>();
      const auto env = b.at("environment").get<std::string>();
      const auto path = b.value("secretPath", std::string("/"));
      const auto key = b.at("secretKey").get<std::string>();
      if (b.value("delete", false)) {
        auto r = model_.DeleteSecret(project, env, path, key);
        if (!r) return bad(r.error());
        return JsonResponse(200, {{"deleted", *r}});
      }
      std::optional<std::string> comment;
      if (b.contains("secretComment"))
        comment = b["secretComment"].get<std::string>();
      auto r = model_.UpsertSecret(project, env, path, key,
                                   b.at("secretValue").get<std::string>(),
                                   comment, IsoTime(NowMs()));
      if (!r) return bad(r.error());
      return JsonResponse(200, {{"ok", true}});
    }
    if (p == "/__control/token-auth") {
      // Stands in for POST /api/v1/auth/token-auth/identities/{id}/tokens,
      // which an admin calls with their own session: a token-auth access
      // token for the identity, same shape as a login's answer.
      const Identity* id =
          model_.FindIdentityById(b.at("identityId").get<std::string>());
      if (id == nullptr) return bad("no such identity");
      return JsonResponse(200, tokens_.Issue(*id, NowMs()));
    }
    if (p == "/__control/clock") {
      clock_offset_ms_ +=
          static_cast<long long>(b.value("advance_seconds", 0.0) * 1000);
      return JsonResponse(
          200, {{"offset_ms", clock_offset_ms_}, {"now_ms", NowMs()}});
    }
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  return JsonResponse(404, {{"error", "no such control route"}});
}

}  // namespace sealsync::infisical_double
