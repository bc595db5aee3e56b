// Base64 (RFC 4648 standard alphabet) in the two forms sealsync needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sealsync/secure_bytes.h"

namespace sealsync {

// Standard alphabet with '=' padding (Kubernetes Secret data, armor).
std::string Base64Encode(ByteView data);
// Standard alphabet, no padding (age header stanzas).
std::string Base64EncodeRaw(ByteView data);

// Decodes padded base64. Strict: rejects characters outside the alphabet,
// missing or extra padding, and non-zero trailing bits. nullopt on error.
std::optional<Bytes> Base64Decode(std::string_view text);
// Decodes unpadded base64 with the same strictness (age's canonical form):
// a '=' anywhere is an error.
std::optional<Bytes> Base64DecodeRaw(std::string_view text);

}  // namespace sealsync
