#include "operator/service_account_token.h"

#include "operator/login_consent.h"
#include "operator/store_auth_spec.h"

namespace sealsync::op {

Result<std::string> RequestServiceAccountToken(kube::Client& client,
                                               const ServiceAccountRef& sa) {
  const std::string id = "ServiceAccount " + sa.ns + "/" + sa.name;
  // Names go into the request path: checked again, whatever parsed them.
  if (!IsDnsSubdomain(sa.ns) || !IsDnsSubdomain(sa.name))
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a valid ServiceAccount: " + id);
  const kube::Resource token_request{
      "", "v1", "serviceaccounts/" + sa.name + "/token", true};
  kube::Json spec = {{"expirationSeconds", kServiceAccountTokenSeconds}};
  if (!sa.audiences.empty()) spec["audiences"] = sa.audiences;
  kube::Json body = {{"apiVersion", "authentication.k8s.io/v1"},
                     {"kind", "TokenRequest"},
                     {"metadata", {{"namespace", sa.ns}}},
                     {"spec", spec}};
  auto r = client.Create(token_request, body);
  if (!r) {
    const std::string why = "requesting a token for " + id + ": ";
    switch (r.error().code()) {
      case ErrorCode::kNotFound:
        return MakeError(ErrorCode::kFailedPrecondition,
                         why + "the ServiceAccount does not exist");
      case ErrorCode::kPermissionDenied:
        return MakeError(ErrorCode::kPermissionDenied,
                         why +
                             "the operator may not create ServiceAccount "
                             "tokens (RBAC: create serviceaccounts/token)");
      case ErrorCode::kInvalidArgument:
        return MakeError(ErrorCode::kInvalidArgument,
                         why + r.error().message());
      default:
        return MakeError(ErrorCode::kUnavailable, why + r.error().message());
    }
  }
  const kube::Json& st = r->value("status", kube::Json::object());
  if (!st.contains("token") || !st["token"].is_string() ||
      st["token"].get_ref<const std::string&>().empty())
    return MakeError(ErrorCode::kInternal, "requesting a token for " + id +
                                               ": no token in the answer");
  std::string token = st["token"].get<std::string>();
  std::string& held = (*r)["status"]["token"].get_ref<std::string&>();
  SecureWipe(held.data(), held.size());
  return token;
}

void SetKubernetesAuth(kube::Client& client, const StoreSpec& store,
                       vault::UniversalAuth& auth) {
  auth.method = vault::AuthMethod::kKubernetes;
  auth.client_id = store.identity_id;
  // The audiences too: a token for other audiences is another credential
  // (the vault may refuse it) and must not reuse this one's login.
  auth.service_account =
      store.service_account.ns + "/" + store.service_account.name;
  for (const std::string& a : store.service_account.audiences)
    auth.service_account += "|" + a;
  // Consent is checked again right before each token (it may have been
  // withdrawn since the store's credentials were read): no consent, no
  // TokenRequest.
  StoreSpec who;
  who.kind = store.kind;
  who.name = store.name;
  who.service_account = store.service_account;
  auth.service_account_token = [&client, who]() -> Result<std::string> {
    if (auto c = CheckLoginConsent(client, who); !c)
      return std::unexpected(c.error());
    return RequestServiceAccountToken(client, who.service_account);
  };
}

}  // namespace sealsync::op
