#include "sealsync/sealed_secret.h"

#include <algorithm>

namespace sealsync::sealed {
namespace {

std::string Id(const api::SealedSecret& obj) {
  const auto& m = obj.metadata;
  return "SealedSecret " + (m.ns.empty() ? "" : m.ns + "/") + m.name;
}

// Opens one value of `obj`: Bitnami's format with the Bitnami keys, anything
// else as sealsync's (age or sodium).
Result<UnsealedValue> OpenValue(std::string_view value,
                                std::span<const X25519Identity> keys,
                                std::span<const bitnami::PrivateKey> bitnami,
                                const ScopeBinding& expect) {
  if (bitnami::LooksLikeBitnami(value)) {
    auto o = bitnami::Open(value, bitnami, expect);
    if (!o) return std::unexpected(o.error());
    return UnsealedValue{std::move(o->plaintext), expect, o->key_id};
  }
  return UnsealValue(value, keys, expect);
}

}  // namespace

std::string_view ReasonFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return kReasonNoMatchingKey;
    case ErrorCode::kPermissionDenied:
      return kReasonScopeMismatch;
    case ErrorCode::kDataLoss:
      return kReasonDecryptFailed;
    default:
      return kReasonMalformed;
  }
}

Result<ScopeBinding> ExpectedBinding(const api::SealedSecret& obj) {
  auto scope = ParseScope(obj.scope);
  if (!scope) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        Id(obj) + ": spec.scope: must be Strict, Namespace or Cluster");
  }
  const auto& m = obj.metadata;
  if (*scope != Scope::kCluster && m.ns.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     Id(obj) +
                         ": metadata.namespace: missing (needed for scope " +
                         std::string(ScopeName(*scope)) + ")");
  }
  switch (*scope) {
    case Scope::kStrict:
      return ScopeBinding{*scope, m.ns, m.name};
    case Scope::kNamespace:
      return ScopeBinding{*scope, m.ns, ""};
    case Scope::kCluster:
      return ScopeBinding{*scope, "", ""};
  }
  return MakeError(ErrorCode::kInternal, "unreachable");
}

Result<Unsealed> Unseal(const api::SealedSecret& obj,
                        std::span<const X25519Identity> keys,
                        std::span<const bitnami::PrivateKey> bitnami_keys) {
  auto expect = ExpectedBinding(obj);
  if (!expect) return std::unexpected(expect.error());
  Unsealed out;
  out.secret.metadata.name = obj.metadata.name;
  out.secret.metadata.ns = obj.metadata.ns;
  out.secret.metadata.labels = obj.template_.labels;
  out.secret.metadata.annotations = obj.template_.annotations;
  out.secret.type = obj.template_.type;
  out.secret.immutable = obj.template_.immutable;
  for (const auto& [key, value] : obj.encrypted_data) {
    auto v = OpenValue(value, keys, bitnami_keys, *expect);
    if (!v) {
      return std::unexpected(
          v.error().Wrap(Id(obj) + ": spec.encryptedData." + key));
    }
    out.secret.data[key] = std::move(v->plaintext);
    out.key_ids.push_back(v->key_id);
  }
  std::sort(out.key_ids.begin(), out.key_ids.end());
  out.key_ids.erase(std::unique(out.key_ids.begin(), out.key_ids.end()),
                    out.key_ids.end());
  return out;
}

Result<api::SealedSecret> Rewrap(
    const api::SealedSecret& obj, std::span<const X25519Identity> keys,
    std::span<const X25519Recipient> recipients, Random& random,
    std::span<const bitnami::PrivateKey> bitnami_keys) {
  auto expect = ExpectedBinding(obj);
  if (!expect) return std::unexpected(expect.error());
  api::SealedSecret out = obj;
  for (auto& [key, value] : out.encrypted_data) {
    std::string field = Id(obj) + ": spec.encryptedData." + key;
    auto v = OpenValue(value, keys, bitnami_keys, *expect);
    if (!v) return std::unexpected(v.error().Wrap(field));
    SealFormat format = value.starts_with("sodium:") && recipients.size() == 1
                            ? SealFormat::kSodium
                            : SealFormat::kAge;
    // Keep the value's own binding (a Cluster value stays unbound-compatible).
    ScopeBinding binding = v->binding.value_or(*expect);
    auto sealed = SealValue(ByteView(v->plaintext.data(), v->plaintext.size()),
                            recipients, binding, format, random);
    if (!sealed) return std::unexpected(sealed.error().Wrap(field));
    value = std::move(*sealed);
  }
  return out;
}

}  // namespace sealsync::sealed
