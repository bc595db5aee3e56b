// Byte containers. SecureBytes holds secret material (keys, plaintext) and is
// wiped with sodium_memzero when released or resized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealsync {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// Memory for secrets. Small blocks come from the heap and are wiped before
// they go back; blocks of 1 MiB or more are mapped from the kernel
// (pre-faulted, so bulk decryption does not pay a page fault per 4 KiB) and
// unmapped on release: the pages leave the process, and the kernel zeroes
// them before anyone else gets them.
void* SecureAllocate(std::size_t bytes);
void SecureFree(void* p, std::size_t bytes);

// An allocator that never returns secret bytes to the heap unwiped.
template <typename T>
struct ZeroingAllocator {
  using value_type = T;
  ZeroingAllocator() = default;
  template <typename U>
  ZeroingAllocator(const ZeroingAllocator<U>&) {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(SecureAllocate(n * sizeof(T)));
  }
  // Default-initialises (no zero fill on resize: buffers are written before
  // they are read); other constructions are forwarded.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  void deallocate(T* p, std::size_t n);
  bool operator==(const ZeroingAllocator&) const { return true; }
};

// Wipes `size` bytes at `p` in a way the compiler cannot elide.
void SecureWipe(void* p, std::size_t size);

template <typename T>
void ZeroingAllocator<T>::deallocate(T* p, std::size_t n) {
  SecureFree(p, n * sizeof(T));
}

// Secret bytes: a vector whose storage is wiped on release. Not thread-safe.
using SecureBytes = std::vector<uint8_t, ZeroingAllocator<uint8_t>>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
template <typename A>
inline std::string_view AsString(const std::vector<uint8_t, A>& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline std::string_view AsString(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace sealsync
