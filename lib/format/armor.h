// The strict ASCII armor of age files (RFC 7468 strict PEM, label
// "AGE ENCRYPTED FILE", padded base64 wrapped at 64 columns).
#pragma once

#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::format {

inline constexpr std::string_view kArmorBegin =
    "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view kArmorEnd =
    "-----END AGE ENCRYPTED FILE-----";

// True if `data`, after leading whitespace, starts with the armor begin line.
bool LooksArmored(ByteView data);

// Armors `data`: begin line, 64-column lines, end line, each LF-terminated.
std::string Armor(ByteView data);

// Removes the armor. Whitespace before the begin line and after the end line is
// ignored and CRLF line endings are accepted; anything else non-canonical
// (short or long lines, bad padding, non-zero trailing bits, data outside the
// block) is kInvalidArgument "armor malformed: ...".
Result<Bytes> Dearmor(ByteView data);

}  // namespace sealsync::format
