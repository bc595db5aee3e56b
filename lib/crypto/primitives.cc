#include "lib/crypto/primitives.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace sealsync::crypto {
namespace {

struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) std::abort();
  }
};
const SodiumInit kSodiumInit;

// SHA-256 through OpenSSL: its code uses the CPU's SHA extensions (or AVX2)
// where present; libsodium's portable SHA-256 took about eight times the
// instructions per block on the project machine, and HMAC-SHA-256 is called
// four to six times per unsealed value (docs/benchmarks.md).
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();
  return md;
}

// One context per thread, re-initialised for every hash; reset after each
// HMAC so that no key-derived state stays in it.
EVP_MD_CTX* ThreadDigestContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) std::abort();
  return holder.ctx;
}

// HMAC-SHA-256 (RFC 2104) of the concatenation of `parts`.
void Hmac(ByteView key, std::initializer_list<ByteView> parts,
          uint8_t out[32]) {
  constexpr size_t kBlock = 64;
  EVP_MD_CTX* ctx = ThreadDigestContext();
  uint8_t pad[kBlock] = {0};
  uint8_t inner[32];
  bool ok = true;
  if (key.size() > kBlock) {  // a long key is replaced by its hash
    ok = EVP_DigestInit_ex2(ctx, Sha256(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx, key.data(), key.size()) == 1 &&
         EVP_DigestFinal_ex(ctx, pad, nullptr) == 1;
  } else if (!key.empty()) {
    std::memcpy(pad, key.data(), key.size());
  }
  for (uint8_t& b : pad) b ^= 0x36;
  ok = ok && EVP_DigestInit_ex2(ctx, Sha256(), nullptr) == 1 &&
       EVP_DigestUpdate(ctx, pad, kBlock) == 1;
  for (ByteView part : parts) {
    ok = ok &&
         (part.empty() || EVP_DigestUpdate(ctx, part.data(), part.size()) == 1);
  }
  ok = ok && EVP_DigestFinal_ex(ctx, inner, nullptr) == 1;
  for (uint8_t& b : pad) b ^= 0x36 ^ 0x5c;
  ok = ok && EVP_DigestInit_ex2(ctx, Sha256(), nullptr) == 1 &&
       EVP_DigestUpdate(ctx, pad, kBlock) == 1 &&
       EVP_DigestUpdate(ctx, inner, sizeof inner) == 1 &&
       EVP_DigestFinal_ex(ctx, out, nullptr) == 1;
  EVP_MD_CTX_reset(ctx);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
  if (!ok) std::abort();  // only fails on programming errors or OOM
}

}  // namespace

void HmacSha256(ByteView key, ByteView data, uint8_t out[32]) {
  Hmac(key, {data}, out);
}

void Hkdf32(ByteView ikm, ByteView salt, std::string_view info,
            uint8_t out[32]) {
  static const uint8_t kZeroSalt[32] = {0};
  uint8_t prk[32];
  // Extract: PRK = HMAC(salt, IKM); an empty salt means 32 zero bytes.
  Hmac(salt.empty() ? ByteView(kZeroSalt, 32) : salt, {ikm}, prk);
  // Expand, one block: T(1) = HMAC(PRK, info || 0x01).
  const uint8_t one = 1;
  Hmac(ByteView(prk, sizeof prk), {AsBytes(info), ByteView(&one, 1)}, out);
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

AeadVerifier::AeadVerifier(const uint8_t key[32]) {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
  if (mac == nullptr) std::abort();
  ctx_ = EVP_MAC_CTX_new(mac);
  if (ctx_ == nullptr) std::abort();
  std::memcpy(key_.data(), key, 32);
}

AeadVerifier::~AeadVerifier() {
  EVP_MAC_CTX_free(static_cast<EVP_MAC_CTX*>(ctx_));
  sodium_memzero(key_.data(), key_.size());
}

bool AeadVerifier::Verify(const uint8_t nonce[12], ByteView in) {
  if (in.size() < kTagSize) return false;
  auto* ctx = static_cast<EVP_MAC_CTX*>(ctx_);
  const size_t n = in.size() - kTagSize;
  // The one-time key: ChaCha20 keystream block 0 (libsodium's IETF stream
  // starts at counter 0).
  uint8_t otk[32];
  crypto_stream_chacha20_ietf(otk, sizeof otk, nonce, key_.data());
  static const uint8_t kZeros[16] = {0};
  uint8_t lengths[16] = {0};  // le64(aad length = 0) || le64(n)
  for (int i = 0; i < 8; ++i) lengths[8 + i] = (uint64_t{n} >> (8 * i)) & 0xff;
  uint8_t tag[kTagSize];
  size_t tag_len = 0;
  bool ok = EVP_MAC_init(ctx, otk, sizeof otk, nullptr) == 1 &&
            (n == 0 || EVP_MAC_update(ctx, in.data(), n) == 1) &&
            (n % 16 == 0 || EVP_MAC_update(ctx, kZeros, 16 - n % 16) == 1) &&
            EVP_MAC_update(ctx, lengths, sizeof lengths) == 1 &&
            EVP_MAC_final(ctx, tag, &tag_len, sizeof tag) == 1;
  sodium_memzero(otk, sizeof otk);
  if (!ok || tag_len != kTagSize) std::abort();  // programming error or OOM
  return sodium_memcmp(tag, in.data() + n, kTagSize) == 0;
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
