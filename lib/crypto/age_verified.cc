// AgeVerify and AgeVerifiedFile: verify every chunk of an age file first
// (tags only), then decrypt it chunk by chunk into a 64 KiB buffer. The
// layout is in lib/crypto/age_payload.h.
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "lib/crypto/age_payload.h"
#include "lib/crypto/primitives.h"
#include "sealsync/age.h"

namespace sealsync {

using age_internal::ChunkNonce;
using age_internal::Corrupt;
using age_internal::kChunk;
using age_internal::kSealedChunk;

namespace {

// Parts of the file handed to `done_with`: every 16 chunks (about 1 MiB),
// and the rest at the end.
constexpr size_t kChunksPerRelease = 16;

}  // namespace

struct AgeVerifiedFile::State {
  age_internal::OpenedHeader header;
};

AgeVerifiedFile::AgeVerifiedFile(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
AgeVerifiedFile::~AgeVerifiedFile() = default;
AgeVerifiedFile::AgeVerifiedFile(AgeVerifiedFile&&) noexcept = default;

const std::vector<Stanza>& AgeVerifiedFile::stanzas() const {
  return state_->header.stanzas;
}
size_t AgeVerifiedFile::identity_index() const {
  return state_->header.identity_index;
}
size_t AgeVerifiedFile::plaintext_size() const {
  return state_->header.body.size() - state_->header.chunks * crypto::kTagSize;
}

Result<AgeVerifiedFile> AgeVerify(
    ByteView file, std::span<const AgeIdentity* const> identities,
    const std::function<void(ByteView)>& done_with) {
  auto state = std::make_unique<AgeVerifiedFile::State>();
  age_internal::OpenedHeader& h = state->header;
  if (auto ok = age_internal::OpenHeader(file, identities, h); !ok) {
    return std::unexpected(ok.error());
  }
  // Parts of a dearmored copy are ours, not the caller's.
  const bool caller_bytes = h.dearmored.empty();
  crypto::AeadVerifier verifier(h.payload_key);
  size_t released = 0;
  for (size_t i = 0; i < h.chunks; ++i) {
    size_t off = i * kSealedChunk;
    size_t n = std::min(kSealedChunk, h.body.size() - off);
    uint8_t cn[12];
    ChunkNonce(i, i + 1 == h.chunks, cn);
    if (!verifier.Verify(cn, h.body.subspan(off, n))) {
      return std::unexpected(Corrupt(i + 1 == h.chunks
                                         ? "last chunk failed authentication"
                                         : "chunk failed authentication"));
    }
    if (done_with && caller_bytes &&
        ((i + 1) % kChunksPerRelease == 0 || i + 1 == h.chunks)) {
      done_with(h.body.subspan(released, off + n - released));
      released = off + n;
    }
  }
  return AgeVerifiedFile(std::move(state));
}

Result<void> AgeVerifiedFile::DecryptTo(
    const AgeWriteFn& write,
    const std::function<void(ByteView)>& done_with) const {
  const age_internal::OpenedHeader& h = state_->header;
  // The chunk is copied before it is opened: what is decrypted is exactly
  // what was authenticated, even if the file's bytes change meanwhile.
  SecureBytes sealed(kSealedChunk), plain(kChunk);
  crypto::Aead aead(h.payload_key);
  const bool caller_bytes = h.dearmored.empty();
  size_t released = 0;
  for (size_t i = 0; i < h.chunks; ++i) {
    size_t off = i * kSealedChunk;
    size_t n = std::min(kSealedChunk, h.body.size() - off);
    std::memcpy(sealed.data(), h.body.data() + off, n);
    uint8_t cn[12];
    ChunkNonce(i, i + 1 == h.chunks, cn);
    if (!aead.Open(cn, ByteView(sealed.data(), n), plain.data())) {
      return std::unexpected(Corrupt("file changed after verification"));
    }
    auto ok = write(ByteView(plain.data(), n - crypto::kTagSize));
    SecureWipe(plain.data(), n - crypto::kTagSize);
    if (!ok) return std::unexpected(ok.error());
    if (done_with && caller_bytes &&
        ((i + 1) % kChunksPerRelease == 0 || i + 1 == h.chunks)) {
      done_with(h.body.subspan(released, off + n - released));
      released = off + n;
    }
  }
  return {};
}

}  // namespace sealsync
