// X25519 recipients and identities (age's native asymmetric type).
#include <sodium.h>

#include <cstring>

#include "lib/base/base64.h"
#include "lib/base/bech32.h"
#include "lib/crypto/primitives.h"
#include "sealsync/age.h"

namespace sealsync {
namespace {

constexpr std::string_view kRecipientHrp = "age";
constexpr std::string_view kIdentityHrp = "age-secret-key-";
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
const uint8_t kZeroNonce[12] = {0};

// wrap key = HKDF(shared, salt = ephemeral share || recipient, info)
void WrapKey(const uint8_t shared[32], const uint8_t share[32],
             const uint8_t recipient[32], uint8_t out[32]) {
  uint8_t salt[64];
  std::memcpy(salt, share, 32);
  std::memcpy(salt + 32, recipient, 32);
  crypto::Hkdf32(ByteView(shared, 32), ByteView(salt, 64), kX25519Info, out);
}

}  // namespace

Result<X25519Recipient> X25519Recipient::Parse(std::string_view text) {
  auto decoded = Bech32Decode(text);
  if (!decoded || decoded->hrp != kRecipientHrp || decoded->data.size() != 32) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a valid age X25519 recipient (want age1...)");
  }
  std::array<uint8_t, 32> pk;
  std::memcpy(pk.data(), decoded->data.data(), 32);
  return X25519Recipient(pk);
}

std::string X25519Recipient::ToString() const {
  return Bech32Encode(kRecipientHrp, public_key_, false);
}

std::string X25519Recipient::KeyId() const {
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, public_key_.data(), public_key_.size());
  char hex[17];
  sodium_bin2hex(hex, sizeof hex, h, 8);
  return hex;
}

Result<std::vector<Stanza>> X25519Recipient::Wrap(const FileKey& file_key,
                                                  Random& random) const {
  uint8_t eph[32], share[32], shared[32], wrap[32];
  random.Fill(eph);
  crypto::X25519Base(eph, share);
  bool ok = crypto::X25519(eph, public_key_.data(), shared);
  sodium_memzero(eph, sizeof eph);
  if (!ok) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "recipient is a low-order point");
  }
  WrapKey(shared, share, public_key_.data(), wrap);
  sodium_memzero(shared, sizeof shared);
  Stanza s;
  s.type = "X25519";
  s.args.push_back(Base64EncodeRaw(ByteView(share, 32)));
  s.body.resize(file_key.size() + crypto::kTagSize);
  crypto::AeadSeal(wrap, kZeroNonce, file_key, s.body.data());
  sodium_memzero(wrap, sizeof wrap);
  std::vector<Stanza> out;
  out.push_back(std::move(s));
  return out;
}

X25519Identity::X25519Identity(const uint8_t secret[32])
    : recipient_(std::array<uint8_t, 32>{}) {
  std::memcpy(secret_, secret, 32);
  std::array<uint8_t, 32> pk;
  crypto::X25519Base(secret_, pk.data());
  recipient_ = X25519Recipient(pk);
}

X25519Identity::X25519Identity(const X25519Identity& other)
    : recipient_(other.recipient_) {
  std::memcpy(secret_, other.secret_, 32);
}

X25519Identity& X25519Identity::operator=(const X25519Identity& other) {
  std::memcpy(secret_, other.secret_, 32);
  recipient_ = other.recipient_;
  return *this;
}

X25519Identity::~X25519Identity() { sodium_memzero(secret_, sizeof secret_); }

X25519Identity X25519Identity::Generate(Random& random) {
  uint8_t secret[32];
  random.Fill(secret);
  X25519Identity id(secret);
  sodium_memzero(secret, sizeof secret);
  return id;
}

Result<X25519Identity> X25519Identity::Parse(std::string_view text) {
  auto decoded = Bech32Decode(text);
  if (!decoded || decoded->hrp != kIdentityHrp || decoded->data.size() != 32) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "not a valid age X25519 identity (want AGE-SECRET-KEY-1...)");
  }
  return X25519Identity(decoded->data.data());
}

std::string X25519Identity::ToString() const {
  return Bech32Encode(kIdentityHrp, ByteView(secret_, 32), true);
}

Result<FileKey> X25519Identity::Unwrap(std::span<const Stanza> stanzas) const {
  for (const Stanza& s : stanzas) {
    if (s.type != "X25519") continue;
    if (s.args.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "header malformed: X25519 stanza needs one argument");
    }
    auto share = Base64DecodeRaw(s.args[0]);
    if (!share || share->size() != 32) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "header malformed: X25519 share is not 32 bytes");
    }
    if (s.body.size() != 32) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "header malformed: X25519 body is not 32 bytes");
    }
    uint8_t shared[32], wrap[32];
    if (!crypto::X25519(secret_, share->data(), shared)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "header malformed: X25519 share is a low-order point");
    }
    WrapKey(shared, share->data(), recipient_.public_key().data(), wrap);
    sodium_memzero(shared, sizeof shared);
    FileKey key;
    bool ok = crypto::AeadOpen(wrap, kZeroNonce, s.body, key.data());
    sodium_memzero(wrap, sizeof wrap);
    if (ok) return key;  // else: addressed to another recipient
  }
  return MakeError(ErrorCode::kNotFound, "no identity matched");
}

}  // namespace sealsync
