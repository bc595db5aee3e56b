#include "operator/target_consent.h"

#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

// Trims spaces around one comma-separated entry.
std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool AnnotationNames(const Json& meta, std::string_view wanted) {
  if (!meta.contains("annotations") || !meta["annotations"].is_object())
    return false;
  const Json& ann = meta["annotations"];
  auto it = ann.find(std::string(names::kOwnerAnnotation));
  if (it == ann.end() || !it->is_string()) return false;
  std::string_view list = it->get_ref<const std::string&>();
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (Trim(list.substr(0, comma)) == wanted) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

Consent WriteConsent(const Json& secret, std::string_view kind,
                     std::string_view name, std::string_view uid) {
  if (!secret.is_object() || !secret.contains("metadata")) {
    return Consent::kRefused;
  }
  const Json& meta = secret["metadata"];
  if (!meta.is_object()) return Consent::kRefused;
  if (!uid.empty() && meta.contains("ownerReferences") &&
      meta["ownerReferences"].is_array()) {
    for (const Json& ref : meta["ownerReferences"]) {
      if (ref.is_object() && ref.value("controller", false) &&
          ref.value("uid", "") == uid && ref.value("kind", "") == kind) {
        return Consent::kOwned;
      }
    }
  }
  std::string wanted = std::string(kind) + "/" + std::string(name);
  return AnnotationNames(meta, wanted) ? Consent::kConsented
                                       : Consent::kRefused;
}

bool ReservedMetadataKey(std::string_view key) {
  return key.starts_with("sealsync.dev/");
}

std::string NotOwnedMessage(std::string_view secret_id, std::string_view kind,
                            std::string_view name) {
  return "Secret " + std::string(secret_id) +
         " exists and is not managed by this " + std::string(kind) +
         "; to hand it over, someone who may write that Secret annotates it "
         "with " +
         std::string(names::kOwnerAnnotation) + "=" + std::string(kind) + "/" +
         std::string(name);
}

}  // namespace sealsync::op
