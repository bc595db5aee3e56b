// Requeue jitter: spreads refreshes so a restart does not line every object
// up. Randomness is injected (sealsync/random.h) so tests are deterministic.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>

#include "sealsync/random.h"

namespace sealsync::op {

// `d` plus up to a tenth of it (at least 0-1 ms).
inline std::chrono::milliseconds Jitter(std::chrono::milliseconds d,
                                        Random& random) {
  uint8_t bytes[8];
  random.Fill(bytes);
  uint64_t n;
  std::memcpy(&n, bytes, sizeof n);
  uint64_t span = static_cast<uint64_t>(std::max<int64_t>(1, d.count() / 10));
  return d + std::chrono::milliseconds(n % (span + 1));
}

}  // namespace sealsync::op
