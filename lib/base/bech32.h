// Bech32 (BIP 173 checksum, without the 90-character limit), as age uses it
// for "age1..." recipients and "AGE-SECRET-KEY-1..." identities.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sealsync/secure_bytes.h"

namespace sealsync {

struct Bech32Data {
  std::string hrp;   // lower case
  SecureBytes data;  // 8-bit payload
};

// Encodes `data` under `hrp`. The result is lower case unless `upper`.
std::string Bech32Encode(std::string_view hrp, ByteView data, bool upper);

// Decodes a bech32 string. Rejects mixed case, bad characters, bad checksum and
// non-zero padding bits. nullopt on any error.
std::optional<Bech32Data> Bech32Decode(std::string_view text);

}  // namespace sealsync
