// What `sealctl scan` must never report: values that are already sealed and
// public recipients. Each test parses the value in its real format; none
// decrypts anything.
#pragma once

#include <string_view>

namespace sealsync::sealctl::scan {

// True for a sealed value as it appears in a SealedSecret's encryptedData:
// standard base64 of an age file whose header parses (or an armored age
// file's first line), "sodium:" [HEX16 ":"] base64 of a sealed box, or
// Bitnami's layout (bitnami::LooksLikeBitnami).
bool IsSealedValue(std::string_view value);

// True for a valid age X25519 recipient "age1..." (checksum verified).
bool IsRecipient(std::string_view value);

}  // namespace sealsync::sealctl::scan
