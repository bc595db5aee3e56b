#include "operator/login_consent.h"

#include "lib/base/text.h"
#include "operator/reasons.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

constexpr std::string_view kField =
    "spec.provider.infisical.auth.kubernetesAuth.serviceAccountRef";

}  // namespace

bool LoginConsented(const Json& service_account, std::string_view store_kind,
                    std::string_view store_name) {
  if (!service_account.is_object()) return false;
  const Json& meta = service_account.value("metadata", Json::object());
  if (!meta.is_object() || !meta.contains("annotations") ||
      !meta["annotations"].is_object())
    return false;
  auto it = meta["annotations"].find(std::string(names::kVaultLoginAnnotation));
  if (it == meta["annotations"].end() || !it->is_string()) return false;
  const std::string wanted =
      std::string(store_kind) + "/" + std::string(store_name);
  std::string_view list = it->get_ref<const std::string&>();
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view entry = TrimBlanks(list.substr(0, comma));
    if (entry == "*" || entry == wanted) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Result<void> CheckLoginConsent(kube::Client& client, const StoreSpec& store) {
  const ServiceAccountRef& sa = store.service_account;
  const std::string id = "ServiceAccount " + sa.ns + "/" + sa.name;
  auto o = client.Get(kServiceAccounts, {sa.ns, sa.name});
  if (!o) {
    if (o.error().code() == ErrorCode::kNotFound)
      return MakeError(ErrorCode::kFailedPrecondition,
                       std::string(kField) + ": " + id + " does not exist");
    return MakeError(
        ErrorCode::kUnavailable,
        std::string(kField) + ": reading " + id + ": " + o.error().message());
  }
  if (LoginConsented(*o, store.kind, store.name)) return {};
  const std::string entry = store.kind + "/" + store.name;
  return std::unexpected(
      Error(ErrorCode::kPermissionDenied,
            std::string(kField) + ": " + id + " does not allow " + entry +
                " to log in as it; to allow it, someone who may write that "
                "ServiceAccount annotates it with " +
                std::string(names::kVaultLoginAnnotation) + "=" + entry)
          .WithReason(reasons::kServiceAccountNotConsented));
}

}  // namespace sealsync::op
