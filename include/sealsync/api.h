// Kubernetes object value types sealsync reads and writes, and their
// manifest codecs (YAML or JSON). Pure data: no I/O, no cryptography.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::api {

inline constexpr std::string_view kGroup = "sealsync.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kSealedSecretApiVersion =
    "sealsync.dev/v1alpha1";
inline constexpr std::string_view kSealedSecretKind = "SealedSecret";

struct ObjectMeta {
  std::string name;
  std::string ns;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// A core/v1 Secret. Values are secret: `data` holds decoded bytes.
struct Secret {
  ObjectMeta metadata;
  std::string type;  // empty means Opaque
  std::optional<bool> immutable;
  std::map<std::string, SecureBytes> data;
};

// spec.template of a SealedSecret: what the derived Secret looks like.
struct SecretTemplate {
  std::string type;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::optional<bool> immutable;
};

struct SealedSecret {
  ObjectMeta metadata;
  std::string scope = "Strict";                       // spec.scope
  std::map<std::string, std::string> encrypted_data;  // spec.encryptedData
  SecretTemplate template_;                           // spec.template
};

enum class OutputFormat { kYaml, kJson };

// Secret data keys, as the API server accepts them (IsConfigMapKey): 1 to
// 253 characters of [-._a-zA-Z0-9], not "." or "..", not starting with "..".
inline constexpr size_t kMaxSecretKeyLength = 253;
bool IsValidSecretKey(std::string_view key);
// kInvalidArgument "FIELD: ..." naming what is wrong; the key itself appears
// only in its printable form (PrintableKey), so any bytes are safe to log.
Result<void> ValidateSecretKey(std::string_view key, std::string_view field);
// At most 64 characters of `key`, bytes outside printable ASCII (and quotes,
// backslashes) as \xNN, "..." when cut: safe in a log line or JSON string.
std::string PrintableKey(std::string_view key);

// Secret types the operator may write (DESIGN.md "Tenants and trust"): empty
// (Opaque), Opaque, kubernetes.io/{tls,dockerconfigjson,dockercfg,basic-auth,
// ssh-auth}, and custom types outside the kubernetes.io and k8s.io domains.
// Refused: kubernetes.io/service-account-token (a token for any
// ServiceAccount), bootstrap.kubernetes.io/token (a node join token) and every
// other type those domains define or may define.
bool IsAllowedSecretType(std::string_view type);
// kInvalidArgument "FIELD: Secret type ... is not allowed (...)".
Result<void> ValidateSecretType(std::string_view type, std::string_view field);

// Parses a Secret manifest (YAML or JSON): `data` (base64) and `stringData`
// (merged over data, as the API server does). Errors name the field, e.g.
// "data.password: not valid base64"; kInvalidArgument for any bad input.
Result<Secret> ParseSecret(std::string_view text);
Result<SealedSecret> ParseSealedSecret(std::string_view text);
// The same checks on an object already decoded (from the API server), without
// re-serialising it.
Result<SealedSecret> SealedSecretFromObject(const nlohmann::json& object);

std::string FormatSecret(const Secret& secret, OutputFormat format);
std::string FormatSealedSecret(const SealedSecret& sealed, OutputFormat format);

}  // namespace sealsync::api
