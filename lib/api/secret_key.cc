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

}  // namespace sealsync::api
