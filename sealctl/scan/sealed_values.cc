#include "sealctl/scan/sealed_values.h"

#include <cctype>
#include <string>

#include "lib/base/base64.h"
#include "lib/format/age_header.h"
#include "sealsync/age.h"
#include "sealsync/bitnami.h"

namespace sealsync::sealctl::scan {
namespace {

constexpr std::string_view kSodiumPrefix = "sodium:";
constexpr size_t kSealedBoxOverhead = 48;  // ephemeral key + MAC

bool IsHex16(std::string_view s) {
  if (s.size() != 16) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool IsAgeFileBase64(std::string_view value) {
  // The header is at the start; decoding a prefix is enough and bounds the
  // work on a huge value. A base64 prefix must be a multiple of 4 chars.
  constexpr size_t kPrefix = 4096;
  std::string_view head = value.substr(0, std::min(value.size(), kPrefix));
  head = head.substr(0, head.size() - head.size() % 4);
  auto bytes = Base64Decode(head);
  if (!bytes) {
    // The whole value may be short enough to end with padding.
    bytes = Base64Decode(value.size() <= kPrefix ? value : std::string_view());
    if (!bytes) return false;
  }
  std::string_view text(reinterpret_cast<const char*>(bytes->data()),
                        bytes->size());
  if (!text.starts_with(format::kAgeVersionLine)) return false;
  if (value.size() <= kPrefix) return format::ParseHeader(*bytes).has_value();
  return true;  // a long age file: its version line is the evidence
}

}  // namespace

bool IsSealedValue(std::string_view value) {
  if (value.starts_with("-----BEGIN AGE ENCRYPTED FILE-----")) return true;
  if (value.starts_with(kSodiumPrefix)) {
    std::string_view rest = value.substr(kSodiumPrefix.size());
    if (rest.size() > 17 && rest[16] == ':' && IsHex16(rest.substr(0, 16)))
      rest = rest.substr(17);
    auto box = Base64Decode(rest);
    return box && box->size() >= kSealedBoxOverhead;
  }
  if (value.starts_with(
          "YWdlLWVuY3J5cHRpb24ub3JnL3Yx"))  // "age-encryption.org/v1"
    return IsAgeFileBase64(value);
  return bitnami::LooksLikeBitnami(value);
}

bool IsRecipient(std::string_view value) {
  return value.starts_with("age1") && X25519Recipient::Parse(value).has_value();
}

}  // namespace sealsync::sealctl::scan
