// Thin wrappers over the primitives age needs. OpenSSL 3 for SHA-256 (HMAC,
// HKDF: its code uses the CPU's SHA extensions), ChaCha20-Poly1305 (bulk
// payload) and scrypt; libsodium for X25519 and one-shot ChaCha20-Poly1305
// (small, hot calls). Stateless and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::crypto {

using Key32 = std::array<uint8_t, 32>;
inline constexpr size_t kTagSize = 16;

// HKDF-SHA-256 (RFC 5869) with a 32-byte output.
void Hkdf32(ByteView ikm, ByteView salt, std::string_view info,
            uint8_t out[32]);

// HMAC-SHA-256.
void HmacSha256(ByteView key, ByteView data, uint8_t out[32]);

// Computes X25519(scalar, point). Returns false if the result is all zeros
// (a low-order point), which age requires callers to reject.
[[nodiscard]] bool X25519(const uint8_t scalar[32], const uint8_t point[32],
                          uint8_t out[32]);
// Computes X25519(scalar, basepoint).
void X25519Base(const uint8_t scalar[32], uint8_t out[32]);

// ChaCha20-Poly1305 (RFC 8439), empty associated data. `out` must have room
// for in.size() + kTagSize bytes.
void AeadSeal(const uint8_t key[32], const uint8_t nonce[12], ByteView in,
              uint8_t* out);
// Opens `in` (ciphertext || tag) into `out` (in.size() - kTagSize bytes).
// Returns false on authentication failure; `out` is then wiped.
[[nodiscard]] bool AeadOpen(const uint8_t key[32], const uint8_t nonce[12],
                            ByteView in, uint8_t* out);

// A reusable ChaCha20-Poly1305 context for one key, for the payload stream.
// Not thread-safe.
class Aead {
 public:
  explicit Aead(const uint8_t key[32]);
  ~Aead();
  Aead(const Aead&) = delete;
  Aead& operator=(const Aead&) = delete;
  void Seal(const uint8_t nonce[12], ByteView in, uint8_t* out);
  [[nodiscard]] bool Open(const uint8_t nonce[12], ByteView in, uint8_t* out);

 private:
  void* ctx_;  // EVP_CIPHER_CTX
  Key32 key_;
};

// Checks ChaCha20-Poly1305 tags (RFC 8439, empty associated data) without
// decrypting: the one-time Poly1305 key is the first 32 bytes of the
// ChaCha20 block with counter 0 for the nonce, and the tag is Poly1305 over
// ciphertext || pad16 || le64(0) || le64(len). About half the cost of
// AeadOpen, and no plaintext exists. Not thread-safe.
class AeadVerifier {
 public:
  explicit AeadVerifier(const uint8_t key[32]);
  ~AeadVerifier();
  AeadVerifier(const AeadVerifier&) = delete;
  AeadVerifier& operator=(const AeadVerifier&) = delete;
  // True if `in` (ciphertext || tag) authenticates under `nonce`.
  [[nodiscard]] bool Verify(const uint8_t nonce[12], ByteView in);

 private:
  void* ctx_;  // EVP_MAC_CTX (Poly1305)
  Key32 key_;
};

// scrypt (RFC 7914) with N = 2^log2n, r = 8, p = 1, 32-byte output.
// kInvalidArgument if log2n is out of [1, 30]; kResourceExhausted if memory
// cannot be had.
Result<Key32> Scrypt(std::string_view passphrase, ByteView salt, int log2n);

// Constant-time comparison of equal-length buffers.
bool ConstantTimeEqual(ByteView a, ByteView b);

}  // namespace sealsync::crypto
