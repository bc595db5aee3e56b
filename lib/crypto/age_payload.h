// Internal to lib/crypto: the pieces of an age file that AgeDecrypt and
// AgeVerify share. Payload layout: nonce(16) || chunk_0 || ... || chunk_n,
// each chunk ChaCha20-Poly1305(payload key, counter(11, big endian) ||
// last(1), up to 64 KiB of plaintext); only chunk_n has last = 1, and it is
// empty only when it is the only chunk. payload key = HKDF(file key, salt =
// nonce, info = "payload").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "lib/crypto/primitives.h"
#include "sealsync/age.h"

namespace sealsync::age_internal {

inline constexpr size_t kChunk = 64 * 1024;
inline constexpr size_t kSealedChunk = kChunk + crypto::kTagSize;
inline constexpr size_t kNonceSize = 16;

// The nonce of chunk `counter`.
void ChunkNonce(uint64_t counter, bool last, uint8_t nonce[12]);

// A file whose header verified: its stanzas, the identity that matched, the
// payload key (wiped on destruction) and the sealed chunks. `body` points
// into the caller's file, or into `dearmored` (whose buffer a move keeps).
struct OpenedHeader {
  std::vector<Stanza> stanzas;
  size_t identity_index = 0;
  uint8_t payload_key[32] = {0};
  ByteView body;  // chunk_0 || ... || chunk_n
  size_t chunks = 0;
  Bytes dearmored;
  ~OpenedHeader();
};

// Dearmors if needed, parses the header, unwraps the file key with the first
// identity that matches, checks the header MAC, derives the payload key and
// checks the chunk layout (sizes only). Errors as AgeDecrypt's contract.
Result<void> OpenHeader(ByteView file,
                        std::span<const AgeIdentity* const> identities,
                        OpenedHeader& out);

// kDataLoss "payload corrupt: <what>".
Error Corrupt(const std::string& what);

}  // namespace sealsync::age_internal
