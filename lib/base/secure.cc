#include <sodium.h>
#include <sys/mman.h>

#include <cstdlib>
#include <new>

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

namespace {
constexpr std::size_t kMapThreshold = std::size_t{1} << 20;
}  // namespace

void* SecureAllocate(std::size_t bytes) {
  if (bytes < kMapThreshold) return ::operator new(bytes);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Huge pages where the kernel allows them, then fault everything in at
  // once (far cheaper than one fault per page while decrypting).
  ::madvise(p, bytes, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
  if (::madvise(p, bytes, MADV_POPULATE_WRITE) == 0) return p;
#endif
  for (std::size_t i = 0; i < bytes; i += 4096)
    static_cast<volatile char*>(p)[i] = 0;
  return p;
}

void SecureFree(void* p, std::size_t bytes) {
  if (p == nullptr) return;
  if (bytes < kMapThreshold) {
    SecureWipe(p, bytes);
    ::operator delete(p);
    return;
  }
  ::munmap(p, bytes);
}

void SecureWipe(void* p, std::size_t size) {
  if (p != nullptr && size > 0) sodium_memzero(p, size);
}

Random& SystemRandom() {
  static SystemRandomImpl impl;
  return impl;
}

}  // namespace sealsync
