// Secret data key names, checked as the API server checks them
// (k8s.io/apimachinery validation.IsConfigMapKey).
#include <cstdio>

#include "sealsync/api.h"

namespace sealsync::api {

bool IsValidSecretKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxSecretKeyLength) return false;
  if (key == "." || key == ".." || key.starts_with("..")) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string PrintableKey(std::string_view key) {
  constexpr size_t kShown = 64;
  std::string out;
  for (size_t i = 0; i < key.size() && i < kShown; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (key.size() > kShown) out += "...";
  return out;
}

Result<void> ValidateSecretKey(std::string_view key, std::string_view field) {
  if (IsValidSecretKey(key)) return {};
  std::string why;
  if (key.empty()) {
    why = "empty key";
  } else if (key.size() > kMaxSecretKeyLength) {
    why = "key longer than " + std::to_string(kMaxSecretKeyLength) +
          " characters";
  } else {
    why = "key \"" + PrintableKey(key) +
          "\" is not a valid Secret key (only letters, digits, '-', '_' and "
          "'.', not '.' or '..' or starting with '..')";
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(field) + ": " + why);
}

namespace {

// The domain of a type "domain/name", or "" for a type without one.
std::string_view TypeDomain(std::string_view type) {
  size_t slash = type.find('/');
  return slash == std::string_view::npos ? "" : type.substr(0, slash);
}

bool IsKubernetesDomain(std::string_view d) {
  for (std::string_view k : {"kubernetes.io", "k8s.io"}) {
    if (d == k) return true;
    if (d.size() > k.size() && d.ends_with(k) &&
        d[d.size() - k.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace

bool IsAllowedSecretType(std::string_view type) {
  static constexpr std::string_view kAllowed[] = {
      "",
      "Opaque",
      "kubernetes.io/tls",
      "kubernetes.io/dockerconfigjson",
      "kubernetes.io/dockercfg",
      "kubernetes.io/basic-auth",
      "kubernetes.io/ssh-auth",
  };
  for (std::string_view a : kAllowed) {
    if (type == a) return true;
  }
  if (type.size() > kMaxSecretKeyLength) return false;
  for (char c : type) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return !IsKubernetesDomain(TypeDomain(type));
}

Result<void> ValidateSecretType(std::string_view type, std::string_view field) {
  if (IsAllowedSecretType(type)) return {};
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(field) + ": Secret type \"" +
                       PrintableKey(type) +
                       "\" is not allowed (Opaque, kubernetes.io/tls, "
                       "kubernetes.io/dockerconfigjson, "
                       "kubernetes.io/dockercfg, kubernetes.io/basic-auth, "
                       "kubernetes.io/ssh-auth or a custom type outside the "
                       "kubernetes.io and k8s.io domains)");
}

}  // namespace sealsync::api
