#include "operator/store_reconciler.h"

#include "operator/external_secret_spec.h"
#include "operator/external_values.h"
#include "operator/jitter.h"
#include "operator/reasons.h"
#include "operator/status.h"

namespace sealsync::op {
namespace {

using kube::Json;
using namespace std::chrono_literals;

// "scheme://host:port" of a hostAPI URL: the unit a bulkhead counts.
std::string HostKey(const std::string& host_api) {
  size_t start = host_api.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return host_api.substr(0, host_api.find('/', start));
}

}  // namespace

StoreReconciler::StoreReconciler(kube::Client& client,
                                 const kube::Store& stores, std::string kind,
                                 vault::Client& vault, const Clock& clock,
                                 Random& random, HostBulkhead& hosts)
    : client_(client),
      stores_(stores),
      kind_(std::move(kind)),
      vault_(vault),
      clock_(clock),
      random_(random),
      hosts_(hosts) {}

Result<Action> StoreReconciler::Finish(const Json& obj, const Error* e,
                                       std::string_view reason,
                                       std::chrono::milliseconds again) {
  const kube::Resource& r =
      kind_ == "ClusterSecretStore" ? kClusterSecretStores : kSecretStores;
  int64_t gen = obj["metadata"].value("generation", int64_t{0});
  Json old = obj.value("status", Json::object());
  Json desired = {
      {"observedGeneration", gen},
      {"conditions",
       Json::array({ReadyCondition(old, e == nullptr, reason,
                                   e ? e->message() : "logged in to the vault",
                                   gen, clock_)})}};
  if (auto s = WriteStatusIfChanged(client_, r, obj, desired); !s)
    return std::unexpected(s.error());
  if (e != nullptr) return Action::Degraded(e->WithReason(reason), again);
  return Action::RequeueAfter(Jitter(again, random_));
}

Result<Action> StoreReconciler::Reconcile(std::stop_token,
                                          const Request& request) {
  const std::string key = request.StoreKey();
  kube::ObjectPtr obj = stores_.Get(key);
  if (!obj) return Action::AwaitChange();
  auto finish = [&](const Error* e, std::string_view reason,
                    std::chrono::milliseconds again) {
    return Finish(*obj, e, reason, again);
  };
  auto store = ParseStore(*obj);
  if (!store) return finish(&store.error(), reasons::kInvalidSpec, 5min);
  // That host busy: wait, not block (before the credentials are read, so a
  // store turned away costs no API call).
  auto slot = hosts_.TryEnter(HostKey(store->host_api));
  if (!slot) return Action::RequeueAfter(2s);
  auto auth = StoreAuth(client_, *store);
  if (!auth) {
    slot.reset();
    if (auth.error().code() == ErrorCode::kUnavailable)
      return std::unexpected(auth.error());
    Error e(auth.error().code(),
            kind_ + " " + key + ": " + auth.error().message());
    // A reason chosen where it failed (ServiceAccountNotConsented) wins.
    std::string_view reason = auth.error().reason().empty()
                                  ? reasons::kInvalidProviderConfig
                                  : std::string_view(auth.error().reason());
    return finish(&e, reason, 60s);
  }
  // Token auth has no login to try: reading the scope proves the token
  // (and the list is shared with the store's ExternalSecrets).
  Result<void> ok;
  if (store->auth_method == vault::AuthMethod::kToken) {
    auto l = vault_.List(*auth, store->scope, store->refresh);
    if (!l) ok = std::unexpected(l.error());
  } else {
    ok = vault_.Verify(*auth);
  }
  slot.reset();
  SecureWipe(auth->client_secret.data(), auth->client_secret.size());
  if (!ok) {
    Error e(ok.error().code(), kind_ + " " + key + ": " + ok.error().message());
    // Transient: shown in status (a user sees why the store is not ready)
    // and retried soon, not after a whole refresh period.
    if (ok.error().code() == ErrorCode::kUnavailable ||
        ok.error().code() == ErrorCode::kResourceExhausted)
      return finish(&e, reasons::kVaultUnavailable, 30s);
    return finish(&e, reasons::kInvalidProviderConfig, store->refresh);
  }
  return finish(nullptr, reasons::kStoreValid, store->refresh);
}

}  // namespace sealsync::op
