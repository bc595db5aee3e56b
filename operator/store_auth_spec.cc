#include "operator/store_auth_spec.h"

#include "operator/spec_fields.h"

namespace sealsync::op {
namespace {

using kube::Json;

using fields::Bad;
using fields::Str;

// A namespaced store may only reach into its own namespace; a cluster store
// must say which. Sets `ns` to the namespace to use.
Result<void> CheckNamespace(const StoreSpec& s, std::string& ns,
                            const std::string& field) {
  if (s.kind == "SecretStore") {
    if (!ns.empty() && ns != s.ns)
      return MakeError(ErrorCode::kPermissionDenied,
                       field +
                           ": a SecretStore may only use its own namespace " +
                           s.ns + " (not " + ns + ")");
    ns = s.ns;
    return {};
  }
  if (ns.empty())
    return Bad(field, "a ClusterSecretStore must name a namespace");
  if (!IsDnsSubdomain(ns)) return Bad(field, "not a valid namespace name");
  return {};
}

Result<SecretKeyRef> Ref(const StoreSpec& s, const Json& j,
                         const std::string& field) {
  SecretKeyRef r{Str(j, "namespace"), Str(j, "name"), Str(j, "key")};
  if (r.name.empty()) return Bad(field + ".name", "missing");
  if (r.key.empty()) return Bad(field + ".key", "missing");
  if (auto n = CheckNamespace(s, r.ns, field + ".namespace"); !n)
    return std::unexpected(n.error());
  return r;
}

constexpr const char* kUnsupported[] = {
    "awsAuthCredentials",        "azureAuthCredentials",
    "gcpIdTokenAuthCredentials", "gcpIamAuthCredentials",
    "jwtAuthCredentials",        "ldapAuthCredentials",
    "ociAuthCredentials",
};

constexpr size_t kMaxAudiences = 16, kMaxAudienceLength = 256;

}  // namespace

bool IsDnsSubdomain(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  for (char c : n)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return alnum(n.front()) && alnum(n.back());
}

namespace {

// auth.kubernetesAuth: an identity id and the ServiceAccount whose token
// logs in (its namespace the store's own for a SecretStore).
Result<void> ParseKubernetesAuth(const Json& ka, const std::string& f,
                                 StoreSpec& s) {
  if (!ka.is_object()) return Bad(f, "want an object");
  s.identity_id = Str(ka, "identityId");
  if (s.identity_id.empty()) return Bad(f + ".identityId", "missing");
  if (s.identity_id.size() > 256)
    return Bad(f + ".identityId", "longer than 256 characters");
  const Json& sa = ka.value("serviceAccountRef", Json());
  if (!sa.is_object()) return Bad(f + ".serviceAccountRef", "missing");
  ServiceAccountRef r;
  r.name = Str(sa, "name");
  r.ns = Str(sa, "namespace");
  if (r.name.empty()) return Bad(f + ".serviceAccountRef.name", "missing");
  if (!IsDnsSubdomain(r.name))
    return Bad(f + ".serviceAccountRef.name",
               "not a valid ServiceAccount name");
  if (auto n = CheckNamespace(s, r.ns, f + ".serviceAccountRef.namespace"); !n)
    return std::unexpected(n.error());
  const Json& aud = sa.value("audiences", Json::array());
  if (!aud.is_array() || aud.size() > kMaxAudiences)
    return Bad(
        f + ".serviceAccountRef.audiences",
        "want a list of at most " + std::to_string(kMaxAudiences) + " strings");
  for (const Json& a : aud) {
    if (!a.is_string() || a.get<std::string>().empty() ||
        a.get<std::string>().size() > kMaxAudienceLength)
      return Bad(f + ".serviceAccountRef.audiences",
                 "want non-empty strings of at most " +
                     std::to_string(kMaxAudienceLength) + " characters");
    r.audiences.push_back(a.get<std::string>());
  }
  s.auth_method = vault::AuthMethod::kKubernetes;
  s.service_account = std::move(r);
  return {};
}

}  // namespace

Result<void> ParseStoreAuth(const Json& auth, const std::string& id,
                            StoreSpec& s) {
  const std::string base = id + ": spec.provider.infisical.auth";
  if (!auth.is_object())
    return Bad(base,
               "missing (universalAuthCredentials, kubernetesAuth or "
               "tokenAuthCredentials)");
  for (const char* name : kUnsupported) {
    if (auth.contains(name))
      return Bad(base + "." + name,
                 "not supported by sealsync; use universalAuthCredentials, "
                 "kubernetesAuth or tokenAuthCredentials");
  }
  if (auth.contains("kubernetesAuthCredentials"))
    return Bad(base + ".kubernetesAuthCredentials",
               "not supported: it logs in with the operator's own "
               "ServiceAccount, which every store would share; use "
               "kubernetesAuth with a serviceAccountRef");
  int methods = auth.contains("universalAuthCredentials") +
                auth.contains("kubernetesAuth") +
                auth.contains("tokenAuthCredentials");
  if (methods == 0)
    return Bad(base,
               "needs universalAuthCredentials, kubernetesAuth or "
               "tokenAuthCredentials");
  if (methods > 1) return Bad(base, "has more than one login method");

  if (auth.contains("universalAuthCredentials")) {
    const Json& ua = auth["universalAuthCredentials"];
    const std::string f = base + ".universalAuthCredentials";
    if (!ua.is_object()) return Bad(f, "want an object");
    auto cid = Ref(s, ua.value("clientId", Json()), f + ".clientId");
    if (!cid) return std::unexpected(cid.error());
    auto csec = Ref(s, ua.value("clientSecret", Json()), f + ".clientSecret");
    if (!csec) return std::unexpected(csec.error());
    s.auth_method = vault::AuthMethod::kUniversal;
    s.client_id = *cid;
    s.client_secret = *csec;
    return {};
  }
  if (auth.contains("tokenAuthCredentials")) {
    const Json& ta = auth["tokenAuthCredentials"];
    const std::string f = base + ".tokenAuthCredentials";
    if (!ta.is_object()) return Bad(f, "want an object");
    auto tok = Ref(s, ta.value("accessToken", Json()), f + ".accessToken");
    if (!tok) return std::unexpected(tok.error());
    s.auth_method = vault::AuthMethod::kToken;
    s.client_secret = *tok;
    return {};
  }
  return ParseKubernetesAuth(auth["kubernetesAuth"], base + ".kubernetesAuth",
                             s);
}

}  // namespace sealsync::op
