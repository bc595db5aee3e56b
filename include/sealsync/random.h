// The randomness seam. Crypto code takes a Random& so tests can inject a
// deterministic source; production uses SystemRandom().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sealsync {

// A Random fills buffers with random bytes. Implementations are thread-safe.
class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// The operating system's CSPRNG (libsodium randombytes_buf).
Random& SystemRandom();

}  // namespace sealsync
