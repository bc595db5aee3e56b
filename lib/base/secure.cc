#include <sodium.h>

#include <cstdlib>

#include "sealsync/random.h"
#include "sealsync/secure_bytes.h"

namespace sealsync {
namespace {

// Calls sodium_init() once; libsodium is safe to use from then on.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

class SystemRandomImpl final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    if (!SodiumReady()) std::abort();  // no randomness: nothing is safe.
    randombytes_buf(out.data(), out.size());
  }
};

}  // namespace

void SecureWipe(void* p, std::size_t size) {
  if (p != nullptr && size > 0) sodium_memzero(p, size);
}

Random& SystemRandom() {
  static SystemRandomImpl impl;
  return impl;
}

}  // namespace sealsync
