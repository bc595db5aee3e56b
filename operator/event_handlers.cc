#include "operator/event_handlers.h"

#include "operator/status.h"
#include "sealsync/names.h"

namespace sealsync::op {

std::vector<Request> ExternalSecretsOfSecret(const std::string& key,
                                             const kube::ObjectPtr& obj) {
  std::vector<Request> out;
  if (!obj) return out;
  std::string owner = (*obj)["metadata"]
                          .value("annotations", kube::Json::object())
                          .value(std::string(names::kOwnerAnnotation), "");
  std::string ns = Request::FromStoreKey(key).ns;
  for (size_t at = 0; at <= owner.size();) {
    size_t comma = std::min(owner.find(',', at), owner.size());
    std::string one = owner.substr(at, comma - at);
    one.erase(0, one.find_first_not_of(' '));
    constexpr std::string_view kPrefix = "ExternalSecret/";
    if (one.starts_with(kPrefix)) {
      out.push_back({"", ns, one.substr(kPrefix.size())});
    }
    at = comma + 1;
  }
  return out;
}

std::vector<Request> SealedSecretOfSecret(const std::string& key,
                                          const kube::ObjectPtr& obj) {
  if (!ExternalSecretsOfSecret(key, obj).empty()) return {};
  return {Request::FromStoreKey(key)};
}

std::vector<Request> ExternalSecretsUsingStore(
    const kube::Store& external_secrets, const std::string& kind,
    const std::string& key, StoreEvent event) {
  std::vector<Request> out;
  Request store = Request::FromStoreKey(key);
  for (const auto& es : external_secrets.List()) {
    const kube::Json& ref =
        (*es)["spec"].value("secretStoreRef", kube::Json::object());
    std::string rkind = ref.value("kind", "SecretStore");
    std::string ens = (*es)["metadata"].value("namespace", "");
    if (rkind == kind && ref.value("name", "") == store.name &&
        (kind == "ClusterSecretStore" || ens == store.ns) &&
        (event == StoreEvent::kChanged ||
         ReadyVerdict(*es) != Verdict::kReady)) {
      out.push_back(Request::FromStoreKey(kube::KeyOf(*es)));
    }
  }
  return out;
}

std::vector<Request> ClusterExternalSecretOfExternalSecret(
    const std::string&, const kube::ObjectPtr& obj) {
  if (!obj) return {};
  const kube::Json& refs =
      (*obj)["metadata"].value("ownerReferences", kube::Json::array());
  if (!refs.is_array()) return {};
  for (const auto& r : refs) {
    if (r.is_object() && r.value("controller", false) &&
        r.value("kind", "") == "ClusterExternalSecret" &&
        r.value("apiVersion", "").starts_with("sealsync.dev/"))
      return {{"", "", r.value("name", "")}};
  }
  return {};
}

std::vector<Request> ClusterExternalSecretsOfFreedName(
    kube::WatchEventType type, const std::string& key,
    const kube::ObjectPtr& obj, const kube::Store& cluster_external_secrets) {
  std::vector<Request> out;
  if (type != kube::WatchEventType::kDeleted ||
      !ClusterExternalSecretOfExternalSecret(key, obj).empty())
    return out;
  const std::string name = Request::FromStoreKey(key).name;
  for (const auto& ces : cluster_external_secrets.List()) {
    const kube::Json& meta = (*ces)["metadata"];
    const kube::Json& spec = ces->value("spec", kube::Json::object());
    std::string child = spec.is_object()
                            ? spec.value("externalSecretName", std::string())
                            : std::string();
    if (child.empty()) child = meta.value("name", "");
    if (child == name) out.push_back({"", "", meta.value("name", "")});
  }
  return out;
}

std::vector<Request> EveryClusterExternalSecret(
    const kube::Store& cluster_external_secrets) {
  std::vector<Request> out;
  for (const auto& k : cluster_external_secrets.Keys())
    out.push_back(Request::FromStoreKey(k));
  return out;
}

}  // namespace sealsync::op
