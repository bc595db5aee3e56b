// age v1 encryption and decryption: header MAC and the STREAM payload.
//
// Payload layout: nonce(16) || chunk_0 || ... || chunk_n, where each chunk is
// ChaCha20-Poly1305(payload key, counter(11, big endian) || last(1), 64 KiB
// of plaintext) and only chunk_n has last = 1. payload key =
// HKDF(file key, salt = nonce, info = "payload").
#include "sealsync/age.h"

#include <sodium.h>

#include <cstring>
#include <optional>

#include "lib/crypto/age_payload.h"
#include "lib/crypto/primitives.h"
#include "lib/format/age_header.h"
#include "lib/format/armor.h"

namespace sealsync {

namespace age_internal {

void ChunkNonce(uint64_t counter, bool last, uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 0; i < 8; ++i) nonce[10 - i] = (counter >> (8 * i)) & 0xff;
  nonce[11] = last ? 1 : 0;
}

Error Corrupt(const std::string& what) {
  return Error(ErrorCode::kDataLoss, "payload corrupt: " + what);
}

OpenedHeader::~OpenedHeader() {
  sodium_memzero(payload_key, sizeof payload_key);
}

}  // namespace age_internal

namespace {

using age_internal::ChunkNonce;
using age_internal::Corrupt;
using age_internal::kChunk;
using age_internal::kNonceSize;
using age_internal::kSealedChunk;

void HeaderMac(const FileKey& fk, std::string_view mac_input, uint8_t out[32]) {
  uint8_t key[32];
  crypto::Hkdf32(fk, {}, "header", key);
  crypto::HmacSha256(ByteView(key, 32), AsBytes(mac_input), out);
  sodium_memzero(key, sizeof key);
}

// The header (with nonce appended) and payload key of a new file.
struct NewFile {
  std::string head;  // header || nonce
  uint8_t payload_key[32];
  ~NewFile() { sodium_memzero(payload_key, sizeof payload_key); }
};

Result<void> StartFile(std::span<const AgeRecipient* const> recipients,
                       Random& random, std::span<const Stanza> extra,
                       NewFile& out) {
  if (recipients.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no recipients");
  }
  for (const AgeRecipient* r : recipients) {
    if (r->MustBeAlone() && recipients.size() > 1) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a passphrase recipient must be the only recipient");
    }
  }
  FileKey fk;
  random.Fill(fk);
  std::vector<Stanza> stanzas;
  for (const AgeRecipient* r : recipients) {
    auto wrapped = r->Wrap(fk, random);
    if (!wrapped) {
      sodium_memzero(fk.data(), fk.size());
      return std::unexpected(wrapped.error());
    }
    for (Stanza& s : *wrapped) stanzas.push_back(std::move(s));
  }
  stanzas.insert(stanzas.end(), extra.begin(), extra.end());
  format::Header header{std::move(stanzas), {}};
  std::string mac_input = format::SerializeMacInput(header.stanzas);
  HeaderMac(fk, mac_input, header.mac.data());
  out.head = format::SerializeHeader(header);
  uint8_t nonce[kNonceSize];
  random.Fill(nonce);
  out.head.append(reinterpret_cast<const char*>(nonce), kNonceSize);
  crypto::Hkdf32(fk, ByteView(nonce, kNonceSize), "payload", out.payload_key);
  sodium_memzero(fk.data(), fk.size());
  return {};
}

// Reads until `buf` is full or the source ends; returns the bytes read.
Result<size_t> ReadFull(const AgeReadFn& read, std::span<uint8_t> buf) {
  size_t got = 0;
  while (got < buf.size()) {
    auto n = read(buf.subspan(got));
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    got += *n;
  }
  return got;
}

}  // namespace

Result<Bytes> AgeEncrypt(ByteView plaintext,
                         std::span<const AgeRecipient* const> recipients,
                         Random& random, std::span<const Stanza> extra) {
  NewFile nf;
  if (auto ok = StartFile(recipients, random, extra, nf); !ok) {
    return std::unexpected(ok.error());
  }
  size_t chunks =
      plaintext.empty() ? 1 : (plaintext.size() + kChunk - 1) / kChunk;
  Bytes out(nf.head.size() + plaintext.size() + chunks * crypto::kTagSize);
  std::memcpy(out.data(), nf.head.data(), nf.head.size());
  uint8_t* dst = out.data() + nf.head.size();
  if (chunks == 1) {  // small values: skip the EVP context set-up
    uint8_t cn[12];
    ChunkNonce(0, true, cn);
    crypto::AeadSeal(nf.payload_key, cn, plaintext, dst);
    return out;
  }
  crypto::Aead aead(nf.payload_key);
  for (size_t i = 0; i < chunks; ++i) {
    size_t off = i * kChunk;
    size_t n = std::min(kChunk, plaintext.size() - off);
    uint8_t cn[12];
    ChunkNonce(i, i + 1 == chunks, cn);
    aead.Seal(cn, plaintext.subspan(off, n), dst);
    dst += n + crypto::kTagSize;
  }
  return out;
}

Result<void> AgeEncryptStream(const AgeReadFn& read, const AgeWriteFn& write,
                              std::span<const AgeRecipient* const> recipients,
                              Random& random, std::span<const Stanza> extra) {
  NewFile nf;
  if (auto ok = StartFile(recipients, random, extra, nf); !ok) return ok;
  if (auto ok = write(AsBytes(nf.head)); !ok)
    return std::unexpected(ok.error());
  crypto::Aead aead(nf.payload_key);
  SecureBytes cur(kChunk), next(kChunk);
  Bytes sealed(kSealedChunk);
  auto cur_n = ReadFull(read, cur);
  if (!cur_n) return std::unexpected(cur_n.error());
  for (uint64_t i = 0;; ++i) {
    // Read ahead: a chunk is last when nothing follows it.
    size_t next_n = 0;
    if (*cur_n == kChunk) {
      auto n = ReadFull(read, next);
      if (!n) return std::unexpected(n.error());
      next_n = *n;
    }
    bool last = next_n == 0;
    uint8_t cn[12];
    ChunkNonce(i, last, cn);
    aead.Seal(cn, ByteView(cur.data(), *cur_n), sealed.data());
    if (auto ok = write(ByteView(sealed.data(), *cur_n + crypto::kTagSize));
        !ok) {
      return std::unexpected(ok.error());
    }
    if (last) return {};
    std::swap(cur, next);
    *cur_n = next_n;
  }
}

Result<void> age_internal::OpenHeader(
    ByteView file, std::span<const AgeIdentity* const> identities,
    OpenedHeader& out) {
  if (format::LooksArmored(file)) {
    auto d = format::Dearmor(file);
    if (!d) return std::unexpected(d.error());
    out.dearmored = std::move(*d);
    file = out.dearmored;
  }
  auto parsed = format::ParseHeader(file);
  if (!parsed) return std::unexpected(parsed.error());
  const auto& stanzas = parsed->header.stanzas;
  for (const Stanza& s : stanzas) {
    if (s.type == "scrypt" && stanzas.size() != 1) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "header malformed: scrypt stanza is not alone");
    }
  }
  std::optional<FileKey> fk;
  size_t index = 0;
  for (; index < identities.size(); ++index) {
    auto k = identities[index]->Unwrap(stanzas);
    if (k) {
      fk = *k;
      break;
    }
    if (k.error().code() != ErrorCode::kNotFound)
      return std::unexpected(k.error());
  }
  if (!fk) {
    return MakeError(ErrorCode::kNotFound,
                     "no identity matched any of the file's recipients");
  }
  uint8_t mac[32];
  HeaderMac(*fk, AsString(file.first(parsed->mac_input_size)), mac);
  bool mac_ok =
      crypto::ConstantTimeEqual(ByteView(mac, 32), parsed->header.mac);
  if (!mac_ok) {
    sodium_memzero(fk->data(), fk->size());
    return MakeError(ErrorCode::kDataLoss, "header MAC failed");
  }
  ByteView payload = file.subspan(parsed->size);
  if (payload.size() < kNonceSize) {
    sodium_memzero(fk->data(), fk->size());
    return std::unexpected(Corrupt("missing nonce"));
  }
  crypto::Hkdf32(*fk, payload.first(kNonceSize), "payload", out.payload_key);
  sodium_memzero(fk->data(), fk->size());
  ByteView body = payload.subspan(kNonceSize);
  if (body.empty()) return std::unexpected(Corrupt("no chunks"));
  size_t chunks = (body.size() + kSealedChunk - 1) / kSealedChunk;
  size_t last_size = body.size() - (chunks - 1) * kSealedChunk;
  if (last_size < crypto::kTagSize) {
    return std::unexpected(Corrupt("truncated chunk"));
  }
  if (last_size == crypto::kTagSize && chunks > 1) {
    return std::unexpected(Corrupt("empty last chunk"));
  }
  out.stanzas = std::move(parsed->header.stanzas);
  out.identity_index = index;
  out.body = body;
  out.chunks = chunks;
  return {};
}

std::string AgeArmor(ByteView file) { return format::Armor(file); }

Result<AgeDecrypted> AgeDecrypt(
    ByteView file, std::span<const AgeIdentity* const> identities) {
  age_internal::OpenedHeader h;
  if (auto ok = age_internal::OpenHeader(file, identities, h); !ok) {
    return std::unexpected(ok.error());
  }
  ByteView body = h.body;
  const size_t chunks = h.chunks;
  AgeDecrypted out;
  out.plaintext.resize(body.size() - chunks * crypto::kTagSize);
  if (chunks == 1) {  // small values: skip the EVP context set-up
    uint8_t cn[12];
    ChunkNonce(0, true, cn);
    if (!crypto::AeadOpen(h.payload_key, cn, body, out.plaintext.data())) {
      return std::unexpected(Corrupt("last chunk failed authentication"));
    }
  } else {
    crypto::Aead aead(h.payload_key);
    for (size_t i = 0; i < chunks; ++i) {
      size_t off = i * kSealedChunk;
      size_t n = std::min(kSealedChunk, body.size() - off);
      uint8_t cn[12];
      ChunkNonce(i, i + 1 == chunks, cn);
      if (!aead.Open(cn, body.subspan(off, n),
                     out.plaintext.data() + i * kChunk)) {
        SecureWipe(out.plaintext.data(), out.plaintext.size());
        return std::unexpected(Corrupt(i + 1 == chunks
                                           ? "last chunk failed authentication"
                                           : "chunk failed authentication"));
      }
    }
  }
  out.stanzas = std::move(h.stanzas);
  out.identity_index = h.identity_index;
  return out;
}

}  // namespace sealsync
