#include "sealctl/secret_checks.h"

#include <nlohmann/json.hpp>

namespace sealsync::sealctl {
namespace {

// nlohmann's own check: what its dump() refuses (type_error 316) is exactly
// what this refuses.
bool IsUtf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

Result<void> NotUtf8(const std::string& field) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": not UTF-8");
}

Result<void> CheckMap(const std::map<std::string, std::string>& m,
                      const std::string& field) {
  for (const auto& [k, v] : m) {
    std::string at = field + "." + api::PrintableKey(k);
    if (!IsUtf8(k) || !IsUtf8(v)) return NotUtf8(at);
  }
  return {};
}

Result<void> CheckMeta(const api::ObjectMeta& meta) {
  if (!IsUtf8(meta.name)) return NotUtf8("metadata.name");
  if (!IsUtf8(meta.ns)) return NotUtf8("metadata.namespace");
  if (auto ok = CheckMap(meta.labels, "metadata.labels"); !ok) return ok;
  return CheckMap(meta.annotations, "metadata.annotations");
}

}  // namespace

Result<void> CheckUtf8(const api::Secret& secret) {
  if (auto ok = CheckMeta(secret.metadata); !ok) return ok;
  if (!IsUtf8(secret.type)) return NotUtf8("type");
  for (const auto& [key, value] : secret.data) {
    if (!IsUtf8(key)) return NotUtf8("data." + api::PrintableKey(key));
  }
  return {};
}

Result<void> CheckUtf8(const api::SealedSecret& sealed) {
  if (auto ok = CheckMeta(sealed.metadata); !ok) return ok;
  if (!IsUtf8(sealed.scope)) return NotUtf8("spec.scope");
  const api::SecretTemplate& t = sealed.template_;
  if (!IsUtf8(t.type)) return NotUtf8("spec.template.type");
  if (auto ok = CheckMap(t.labels, "spec.template.metadata.labels"); !ok)
    return ok;
  if (auto ok = CheckMap(t.annotations, "spec.template.metadata.annotations");
      !ok)
    return ok;
  for (const auto& [key, value] : sealed.encrypted_data) {
    if (!IsUtf8(key) || !IsUtf8(value))
      return NotUtf8("spec.encryptedData." + api::PrintableKey(key));
  }
  return {};
}

Result<void> CheckSecretToSeal(const api::Secret& secret) {
  if (auto ok = api::ValidateSecretType(secret.type, "type"); !ok) return ok;
  for (const auto& [key, value] : secret.data) {
    if (auto ok = api::ValidateSecretKey(key, "data or stringData"); !ok)
      return ok;
  }
  return CheckUtf8(secret);
}

}  // namespace sealsync::sealctl
