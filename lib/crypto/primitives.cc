#include "lib/crypto/primitives.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace sealsync::crypto {
namespace {

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) std::abort();
  }
};
const SodiumInit kSodiumInit;

}  // namespace

void HmacSha256(ByteView key, ByteView data, uint8_t out[32]) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, data.data(), data.size());
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
}

void Hkdf32(ByteView ikm, ByteView salt, std::string_view info,
            uint8_t out[32]) {
  static const uint8_t kZeroSalt[32] = {0};
  uint8_t prk[32];
  // Extract: PRK = HMAC(salt, IKM); an empty salt means 32 zero bytes.
  HmacSha256(salt.empty() ? ByteView(kZeroSalt, 32) : salt, ikm, prk);
  // Expand, one block: T(1) = HMAC(PRK, info || 0x01).
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
  crypto_auth_hmacsha256_update(
      &st, reinterpret_cast<const uint8_t*>(info.data()), info.size());
  const uint8_t one = 1;
  crypto_auth_hmacsha256_update(&st, &one, 1);
  crypto_auth_hmacsha256_final(&st, out);
  sodium_memzero(&st, sizeof st);
  sodium_memzero(prk, sizeof prk);
}

bool X25519(const uint8_t scalar[32], const uint8_t point[32],
            uint8_t out[32]) {
  // libsodium returns -1 when the output is all zeros.
  return crypto_scalarmult_curve25519(out, scalar, point) == 0;
}

void X25519Base(const uint8_t scalar[32], uint8_t out[32]) {
  crypto_scalarmult_curve25519_base(out, scalar);
}

Aead::Aead(const uint8_t key[32]) : ctx_(EVP_CIPHER_CTX_new()) {
  if (ctx_ == nullptr) std::abort();
  std::memcpy(key_.data(), key, 32);
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), nullptr, nullptr, nullptr,
                        -1) != 1) {
    std::abort();
  }
}

Aead::~Aead() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));
  sodium_memzero(key_.data(), key_.size());
}

void Aead::Seal(const uint8_t nonce[12], ByteView in, uint8_t* out) {
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  int len = 0;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, key_.data(), nonce, 1) != 1 ||
      (!in.empty() && EVP_CipherUpdate(ctx, out, &len, in.data(),
                                       static_cast<int>(in.size())) != 1) ||
      EVP_CipherFinal_ex(ctx, out + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, kTagSize,
                          out + in.size()) != 1) {
    std::abort();  // only fails on programming errors or OOM
  }
}

bool Aead::Open(const uint8_t nonce[12], ByteView in, uint8_t* out) {
  if (in.size() < kTagSize) return false;
  auto* ctx = static_cast<EVP_CIPHER_CTX*>(ctx_);
  size_t n = in.size() - kTagSize;
  int len = 0;
  uint8_t tag[kTagSize];
  std::memcpy(tag, in.data() + n, kTagSize);
  bool ok =
      EVP_CipherInit_ex(ctx, nullptr, nullptr, key_.data(), nonce, 0) == 1 &&
      (n == 0 ||
       EVP_CipherUpdate(ctx, out, &len, in.data(), static_cast<int>(n)) == 1) &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, kTagSize, tag) == 1 &&
      EVP_CipherFinal_ex(ctx, out + len, &len) == 1;
  if (!ok && n > 0) sodium_memzero(out, n);
  return ok;
}

void AeadSeal(const uint8_t key[32], const uint8_t nonce[12], ByteView in,
              uint8_t* out) {
  unsigned long long clen = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, in.data(), in.size(),
                                            nullptr, 0, nullptr, nonce, key);
}

bool AeadOpen(const uint8_t key[32], const uint8_t nonce[12], ByteView in,
              uint8_t* out) {
  if (in.size() < kTagSize) return false;
  unsigned long long mlen = 0;
  bool ok = crypto_aead_chacha20poly1305_ietf_decrypt(
                out, &mlen, nullptr, in.data(), in.size(), nullptr, 0, nonce,
                key) == 0;
  if (!ok) sodium_memzero(out, in.size() - kTagSize);
  return ok;
}

Result<Key32> Scrypt(std::string_view passphrase, ByteView salt, int log2n) {
  if (log2n < 1 || log2n > 30) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "scrypt work factor out of range");
  }
  const uint64_t n = uint64_t{1} << log2n;
  const uint64_t r = 8, p = 1;
  // Memory needed is about 128 * r * (N + p + 2) bytes; allow headroom.
  const uint64_t maxmem = 128 * r * (n + p + 2) + (uint64_t{1} << 20);
  Key32 out;
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(), salt.data(),
                     salt.size(), n, r, p, maxmem, out.data(),
                     out.size()) != 1) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "scrypt failed (out of memory?)");
  }
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  return a.size() == b.size() &&
         sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sealsync::crypto
