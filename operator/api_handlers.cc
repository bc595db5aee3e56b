#include "operator/api_handlers.h"

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "lib/base/time_format.h"
#include "operator/audit.h"
#include "operator/key_manager.h"
#include "sealsync/api.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::op {
namespace {

using nlohmann::json;

HttpReply JsonReply(int status, const json& body) {
  return {status, "application/json", body.dump() + "\n", {}};
}

HttpReply TooMany() {
  return {429,
          "application/json",
          json{{"ok", false},
               {"reason", "RateLimited"},
               {"message", "too many requests"}}
                  .dump() +
              "\n",
          {{"retry-after", "1"}}};
}

bool WantsJson(const std::string& body) {
  size_t i = body.find_first_not_of(" \t\r\n");
  return i != std::string::npos && body[i] == '{';
}

json Verdict(const Result<sealed::Unsealed>& r) {
  if (r)
    return {{"ok", true},
            {"reason", "Synced"},
            {"message", "can be unsealed"},
            {"keyIds", r->key_ids}};
  return {{"ok", false},
          {"reason", std::string(sealed::ReasonFor(r.error()))},
          {"message", r.error().message()},
          {"keyIds", json::array()}};
}

// The audit record of an API call on `obj`: who asked, and the outcome.
AuditEvent ApiEvent(std::string_view action, const HttpRequestView& req,
                    const api::SealedSecret& obj) {
  AuditEvent e(action,
               "SealedSecret " + obj.metadata.ns + "/" + obj.metadata.name);
  e.caller = ApiCaller(req);
  return e;
}

using Limiter = std::function<bool(const HttpRequestView&)>;

// GET /v1/recipients: the public recipients, newest first (JSON, or the
// recipients file for Accept: text/plain).
HttpReply Recipients(const KeyRing& keys, const HttpRequestView& req) {
  auto ks = keys.Keys();
  auto accept = req.headers.find("accept");
  if (accept != req.headers.end() &&
      accept->second.find("text/plain") != std::string::npos) {
    return HttpReply{
        200, "text/plain; charset=utf-8", FormatRecipients(ks), {}};
  }
  json list = json::array();
  for (const auto& k : ks) {
    list.push_back({{"recipient", k.identity.recipient().ToString()},
                    {"keyId", k.key_id},
                    {"created", FormatRfc3339(k.created)}});
  }
  return JsonReply(200, {{"recipients", list}});
}

// POST /v1/verify: whether this operator can unseal a SealedSecret.
HttpReply Verify(const KeyRing& keys, const Limiter& limiter, AuditLog* audit,
                 const HttpRequestView& req) {
  if (!limiter(req)) return TooMany();
  auto obj = api::ParseSealedSecret(req.body);
  if (!obj) {
    return JsonReply(400, {{"ok", false},
                           {"reason", std::string(sealed::kReasonMalformed)},
                           {"message", obj.error().message()}});
  }
  std::vector<X25519Identity> ids = keys.Identities();
  auto opened = sealed::Unseal(*obj, ids, keys.BitnamiKeys());
  AuditEvent e = ApiEvent(audit::kVerify, req, *obj);
  if (opened) e.key_ids = opened->key_ids;
  if (!opened)
    SetFailure(e, opened.error().WithReason(sealed::ReasonFor(opened.error())));
  Audit(audit, e);
  return JsonReply(200, Verdict(opened));
}

// POST /v1/rewrap: the SealedSecret resealed to the newest key.
HttpReply Rewrap(const KeyRing& keys, Random& random, const Limiter& limiter,
                 AuditLog* audit, const HttpRequestView& req) {
  if (!limiter(req)) return TooMany();
  auto obj = api::ParseSealedSecret(req.body);
  if (!obj) {
    return JsonReply(400, {{"ok", false},
                           {"reason", std::string(sealed::kReasonMalformed)},
                           {"message", obj.error().message()}});
  }
  auto newest = keys.Newest();
  if (!newest) {
    return JsonReply(503, {{"ok", false},
                           {"reason", "NoKeys"},
                           {"message", "the operator has no keys yet"}});
  }
  std::vector<X25519Identity> ids = keys.Identities();
  std::vector<X25519Recipient> to = {newest->identity.recipient()};
  auto out = sealed::Rewrap(*obj, ids, to, random, keys.BitnamiKeys());
  AuditEvent e = ApiEvent(audit::kRewrap, req, *obj);
  if (out) e.key_ids = {newest->key_id};
  if (!out)
    SetFailure(e, out.error().WithReason(sealed::ReasonFor(out.error())));
  Audit(audit, e);
  if (!out) {
    return JsonReply(422,
                     {{"ok", false},
                      {"reason", std::string(sealed::ReasonFor(out.error()))},
                      {"message", out.error().message()}});
  }
  bool as_json = WantsJson(req.body);
  return HttpReply{
      200,
      as_json ? "application/json" : "application/yaml",
      api::FormatSealedSecret(
          *out, as_json ? api::OutputFormat::kJson : api::OutputFormat::kYaml),
      {}};
}

}  // namespace

void RegisterApi(HttpServer& server, const KeyRing& keys, Random& random,
                 ApiLimits limits, AuditLog* audit) {
  const Clock& clock = limits.clock ? *limits.clock : SystemClock();
  auto per_client = std::make_shared<ClientRateLimiter>(
      limits.per_second, limits.burst, 4096, clock);
  auto total = std::make_shared<RateLimiter>(limits.total_per_second,
                                             limits.total_burst, clock);
  // A client over its own rate does not spend the shared tokens.
  Limiter limiter = [per_client, total](const HttpRequestView& req) {
    return per_client->Allow(req.remote_address) && total->Allow();
  };
  server.Handle("GET", "/v1/recipients", [&keys](const HttpRequestView& req) {
    return Recipients(keys, req);
  });
  server.Handle("POST", "/v1/verify",
                [&keys, limiter, audit](const HttpRequestView& req) {
                  return Verify(keys, limiter, audit, req);
                });
  server.Handle("POST", "/v1/rewrap",
                [&keys, &random, limiter, audit](const HttpRequestView& req) {
                  return Rewrap(keys, random, limiter, audit, req);
                });
}

}  // namespace sealsync::op
