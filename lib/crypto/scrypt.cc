// scrypt (passphrase) recipients and identities.
#include <sodium.h>

#include <charconv>

#include "lib/base/base64.h"
#include "lib/crypto/primitives.h"
#include "sealsync/age.h"

namespace sealsync {
namespace {

constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
const uint8_t kZeroNonce[12] = {0};

Bytes SaltWithLabel(ByteView salt) {
  Bytes s(kScryptLabel.begin(), kScryptLabel.end());
  s.insert(s.end(), salt.begin(), salt.end());
  return s;
}

auto Malformed(std::string what) {
  return MakeError(ErrorCode::kInvalidArgument, "header malformed: " + what);
}

}  // namespace

ScryptRecipient::ScryptRecipient(std::string passphrase, int log2n)
    : passphrase_(std::move(passphrase)), log2n_(log2n) {}

ScryptRecipient::~ScryptRecipient() {
  sodium_memzero(passphrase_.data(), passphrase_.size());
}

Result<std::vector<Stanza>> ScryptRecipient::Wrap(const FileKey& file_key,
                                                  Random& random) const {
  uint8_t salt[16];
  random.Fill(salt);
  auto wrap = crypto::Scrypt(passphrase_, SaltWithLabel(salt), log2n_);
  if (!wrap) return std::unexpected(wrap.error());
  Stanza s;
  s.type = "scrypt";
  s.args = {Base64EncodeRaw(salt), std::to_string(log2n_)};
  s.body.resize(file_key.size() + crypto::kTagSize);
  crypto::AeadSeal(wrap->data(), kZeroNonce, file_key, s.body.data());
  sodium_memzero(wrap->data(), wrap->size());
  return std::vector<Stanza>{std::move(s)};
}

ScryptIdentity::ScryptIdentity(std::string passphrase, int max_log2n)
    : passphrase_(std::move(passphrase)), max_log2n_(max_log2n) {}

ScryptIdentity::~ScryptIdentity() {
  sodium_memzero(passphrase_.data(), passphrase_.size());
}

Result<FileKey> ScryptIdentity::Unwrap(std::span<const Stanza> stanzas) const {
  for (const Stanza& s : stanzas) {
    if (s.type != "scrypt") continue;
    if (stanzas.size() != 1) return Malformed("scrypt stanza is not alone");
    if (s.args.size() != 2)
      return Malformed("scrypt stanza needs two arguments");
    auto salt = Base64DecodeRaw(s.args[0]);
    if (!salt || salt->size() != 16)
      return Malformed("scrypt salt is not 16 bytes");
    const std::string& wf = s.args[1];
    int log2n = 0;
    // ^[1-9][0-9]*$ : no sign, no leading zero.
    if (wf.empty() || wf[0] < '1' || wf[0] > '9' || wf.size() > 2) {
      return Malformed("bad scrypt work factor");
    }
    auto [ptr, ec] = std::from_chars(wf.data(), wf.data() + wf.size(), log2n);
    if (ec != std::errc() || ptr != wf.data() + wf.size()) {
      return Malformed("bad scrypt work factor");
    }
    if (log2n > max_log2n_) {
      return MakeError(ErrorCode::kResourceExhausted,
                       "scrypt work factor " + wf + " is above the limit of " +
                           std::to_string(max_log2n_));
    }
    if (s.body.size() != 32) return Malformed("scrypt body is not 32 bytes");
    auto wrap = crypto::Scrypt(passphrase_, SaltWithLabel(*salt), log2n);
    if (!wrap) return std::unexpected(wrap.error());
    FileKey key;
    bool ok = crypto::AeadOpen(wrap->data(), kZeroNonce, s.body, key.data());
    sodium_memzero(wrap->data(), wrap->size());
    if (!ok)
      return MakeError(ErrorCode::kNotFound,
                       "no identity matched (wrong passphrase?)");
    return key;
  }
  return MakeError(ErrorCode::kNotFound, "no identity matched");
}

}  // namespace sealsync
