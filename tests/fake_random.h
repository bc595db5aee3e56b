// A deterministic Random for tests: a counter run through SHA-256.
#pragma once

#include <sodium.h>

#include <cstring>

#include "sealsync/random.h"

namespace sealsync::testing {

class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed = 1) : counter_(seed << 32) {}
  void Fill(std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      uint8_t block[32];
      uint64_t c = counter_++;
      crypto_hash_sha256(block, reinterpret_cast<const uint8_t*>(&c), sizeof c);
      size_t n = std::min(out.size() - done, sizeof block);
      std::memcpy(out.data() + done, block, n);
      done += n;
    }
  }

 private:
  uint64_t counter_;
};

}  // namespace sealsync::testing
