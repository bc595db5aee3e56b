// The age v1 file format (age-encryption.org/v1): recipients, identities,
// encryption and decryption. Interoperates with the `age` CLI both ways.
//
// Contract of AgeDecrypt: it releases no plaintext unless the whole file
// verified (header MAC and every payload chunk), and its errors say which of
// these failed (by code and by the first words of the message):
//   kNotFound        "no identity matched"   no stanza is addressed to us
//   kInvalidArgument "header malformed: ..." grammar, encoding, stanza rules
//   kInvalidArgument "armor malformed: ..."  the PEM wrapper is not strict
//   kDataLoss        "header MAC failed"     stanza matched, header altered
//   kDataLoss        "payload corrupt: ..."  truncated, altered or trailing
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sealsync/error.h"
#include "sealsync/random.h"
#include "sealsync/secure_bytes.h"

namespace sealsync {

// One recipient stanza of an age header. `type` is the first argument.
struct Stanza {
  std::string type;
  std::vector<std::string> args;
  Bytes body;
  bool operator==(const Stanza&) const = default;
};

using FileKey = std::array<uint8_t, 16>;

// A Recipient wraps a file key into stanzas. Implementations are immutable
// and thread-safe.
class AgeRecipient {
 public:
  virtual ~AgeRecipient() = default;
  virtual Result<std::vector<Stanza>> Wrap(const FileKey& file_key,
                                           Random& random) const = 0;
  // True if the stanza must be the only one in the header (scrypt).
  virtual bool MustBeAlone() const { return false; }
};

// An Identity unwraps a file key from the stanzas addressed to it. Returns
// kNotFound when none is, kInvalidArgument when one of its own type is
// malformed. Implementations are immutable and thread-safe.
class AgeIdentity {
 public:
  virtual ~AgeIdentity() = default;
  virtual Result<FileKey> Unwrap(std::span<const Stanza> stanzas) const = 0;
};

// An X25519 public key, "age1..." in bech32.
class X25519Recipient final : public AgeRecipient {
 public:
  explicit X25519Recipient(const std::array<uint8_t, 32>& public_key)
      : public_key_(public_key) {}
  // Parses "age1..."; kInvalidArgument if it is not a valid recipient.
  static Result<X25519Recipient> Parse(std::string_view text);

  std::string ToString() const;  // "age1..."
  // Short public key id: hex of the first 8 bytes of SHA-256(public key).
  std::string KeyId() const;
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }

  Result<std::vector<Stanza>> Wrap(const FileKey& file_key,
                                   Random& random) const override;

 private:
  std::array<uint8_t, 32> public_key_;
};

// An X25519 private key, "AGE-SECRET-KEY-1..." in bech32. The scalar is
// wiped on destruction.
class X25519Identity final : public AgeIdentity {
 public:
  static X25519Identity Generate(Random& random);
  // Parses "AGE-SECRET-KEY-1..."; kInvalidArgument otherwise (the message
  // never echoes the input).
  static Result<X25519Identity> Parse(std::string_view text);
  X25519Identity(const X25519Identity& other);
  X25519Identity& operator=(const X25519Identity& other);
  ~X25519Identity() override;

  // The secret key string. Treat the result as a secret.
  std::string ToString() const;
  const X25519Recipient& recipient() const { return recipient_; }
  const uint8_t* secret_key() const { return secret_; }

  Result<FileKey> Unwrap(std::span<const Stanza> stanzas) const override;

 private:
  X25519Identity(const uint8_t secret[32]);
  uint8_t secret_[32];
  X25519Recipient recipient_;
};

// Passphrase recipient (scrypt stanza). Must be the only recipient.
class ScryptRecipient final : public AgeRecipient {
 public:
  static constexpr int kDefaultLog2N = 18;  // as age
  explicit ScryptRecipient(std::string passphrase, int log2n = kDefaultLog2N);
  ~ScryptRecipient() override;
  Result<std::vector<Stanza>> Wrap(const FileKey& file_key,
                                   Random& random) const override;
  bool MustBeAlone() const override { return true; }

 private:
  std::string passphrase_;
  int log2n_;
};

// Passphrase identity. Refuses work factors above `max_log2n` (age: 22).
class ScryptIdentity final : public AgeIdentity {
 public:
  static constexpr int kDefaultMaxLog2N = 22;
  explicit ScryptIdentity(std::string passphrase,
                          int max_log2n = kDefaultMaxLog2N);
  ~ScryptIdentity() override;
  Result<FileKey> Unwrap(std::span<const Stanza> stanzas) const override;

 private:
  std::string passphrase_;
  int max_log2n_;
};

// Encrypts `plaintext` to `recipients`. `extra` stanzas are appended after
// the recipients' and are covered by the header MAC. Returns the binary age
// file. kInvalidArgument if there are no recipients or a must-be-alone
// recipient has company.
Result<Bytes> AgeEncrypt(ByteView plaintext,
                         std::span<const AgeRecipient* const> recipients,
                         Random& random, std::span<const Stanza> extra = {});

// Pulls up to span.size() bytes of plaintext; 0 means the end.
using AgeReadFn = std::function<Result<size_t>(std::span<uint8_t>)>;
// Pushes bytes of the encrypted file.
using AgeWriteFn = std::function<Result<void>(ByteView)>;

// The streaming form of AgeEncrypt, for large inputs: constant memory (two
// 64 KiB chunks). Errors from `read` or `write` are returned as they are.
Result<void> AgeEncryptStream(const AgeReadFn& read, const AgeWriteFn& write,
                              std::span<const AgeRecipient* const> recipients,
                              Random& random,
                              std::span<const Stanza> extra = {});

struct AgeDecrypted {
  SecureBytes plaintext;
  std::vector<Stanza> stanzas;  // the verified header's stanzas
  size_t identity_index = 0;    // which of `identities` opened it
};

// The ASCII armor of a binary age file (age-encryption.org/v1 "Armor": begin
// line, 64-column standard base64, end line), for files kept as text (key
// backups). AgeDecrypt and AgeVerify accept it as they accept the binary.
std::string AgeArmor(ByteView file);

// Decrypts a binary or armored age file with the first identity that matches.
// See the contract at the top of this file.
Result<AgeDecrypted> AgeDecrypt(ByteView file,
                                std::span<const AgeIdentity* const> identities);

// A whole age file verified without decrypting it, for bulk output in
// bounded memory: AgeVerify checks the header MAC and every payload chunk's
// tag (Poly1305 over the ciphertext; no plaintext exists yet), then
// DecryptTo releases the plaintext chunk by chunk. The same contract as
// AgeDecrypt: nothing is released unless the whole file verified.
//
// The file's bytes must stay valid (and should stay unchanged) while this
// object lives. DecryptTo copies each chunk into private memory and
// authenticates it again before decrypting it, so a file changed after
// AgeVerify (a mapped file someone writes to) yields kDataLoss "payload
// corrupt: file changed after verification" with only authentic chunks
// written before it, never unauthenticated plaintext.
// Movable, not copyable; the payload key is wiped on destruction.
class AgeVerifiedFile {
 public:
  ~AgeVerifiedFile();
  AgeVerifiedFile(AgeVerifiedFile&&) noexcept;
  AgeVerifiedFile& operator=(AgeVerifiedFile&&) = delete;

  const std::vector<Stanza>& stanzas() const;  // the verified header's
  size_t identity_index() const;  // which of `identities` opened it
  size_t plaintext_size() const;

  // Decrypts in order, calling `write` with at most 64 KiB at a time (the
  // buffer is wiped afterwards). Errors from `write` are returned as they
  // are. `done_with`, if set, is called with each part of the caller's file
  // once it has been read for the last time (sealctl drops those mapped
  // pages); never for an armored file (the parts read are a private copy).
  Result<void> DecryptTo(
      const AgeWriteFn& write,
      const std::function<void(ByteView)>& done_with = nullptr) const;

 private:
  friend Result<AgeVerifiedFile> AgeVerify(
      ByteView, std::span<const AgeIdentity* const>,
      const std::function<void(ByteView)>&);
  struct State;
  explicit AgeVerifiedFile(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Verifies `file` (binary or armored) with the first identity that matches;
// errors as AgeDecrypt's (see the top of this file). `done_with` as in
// DecryptTo, for the parts read by the verification.
Result<AgeVerifiedFile> AgeVerify(
    ByteView file, std::span<const AgeIdentity* const> identities,
    const std::function<void(ByteView)>& done_with = nullptr);

// Parses an identity file as age-keygen writes it: "#" comment lines and
// blank lines are skipped, every other line must be an identity.
Result<std::vector<X25519Identity>> ParseIdentityFile(std::string_view text);
// Formats an identity file like age-keygen: created time, public key, key.
std::string FormatIdentityFile(const X25519Identity& identity,
                               std::string_view created_rfc3339);
// Parses a recipients file: one "age1..." per line, "#" comments, blanks.
Result<std::vector<X25519Recipient>> ParseRecipientsFile(std::string_view text);

}  // namespace sealsync
