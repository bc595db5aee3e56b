// HMAC-SHA-256 and HKDF-SHA-256 against the RFCs' published test vectors
// (RFC 4231 section 4, RFC 5869 appendix A), including a key longer than a
// SHA-256 block, and the same results from every thread; the tag-only
// ChaCha20-Poly1305 check against the AEAD.
#include "lib/crypto/primitives.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace sealsync::crypto {
namespace {

std::string Hex(const uint8_t* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xF];
  }
  return out;
}

std::string Hmac(const std::string& key, const std::string& data) {
  uint8_t out[32];
  HmacSha256(AsBytes(key), AsBytes(data), out);
  return Hex(out, sizeof out);
}

std::string Bytes(uint8_t first, size_t n, bool counting) {
  std::string s;
  for (size_t i = 0; i < n; ++i)
    s += static_cast<char>(counting ? first + i : first);
  return s;
}

TEST(HmacSha256, Rfc4231Vectors) {
  EXPECT_EQ(Hmac(Bytes(0x0b, 20, false), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hmac("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a 131-byte key is hashed first.
  EXPECT_EQ(Hmac(Bytes(0xaa, 131, false),
                 "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hkdf32, Rfc5869VectorsFirst32Bytes) {
  std::string ikm = Bytes(0x0b, 22, false);
  uint8_t out[32];
  // A.1: salt 0x00..0x0c, info 0xf0..0xf9.
  Hkdf32(AsBytes(ikm), AsBytes(Bytes(0x00, 13, true)), Bytes(0xf0, 10, true),
         out);
  EXPECT_EQ(Hex(out, 32),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
  // A.3: no salt (32 zero bytes), no info.
  Hkdf32(AsBytes(ikm), {}, "", out);
  EXPECT_EQ(Hex(out, 32),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
}

TEST(HmacSha256, SameResultOnEveryThread) {
  std::string want = Hmac("Jefe", "what do ya want for nothing?");
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&got, t] {
      for (int i = 0; i < 100; ++i)
        got[t] = Hmac("Jefe", "what do ya want for nothing?");
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

// AeadVerifier computes the tag AeadSeal (libsodium) made, without
// decrypting, for every padding case; any changed bit or nonce fails.
TEST(AeadVerifier, AgreesWithTheAeadOnEveryLength) {
  uint8_t key[32], nonce[12] = {1, 2, 3};
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(7 * i + 1);
  AeadVerifier verifier(key);
  for (size_t n : {0, 1, 15, 16, 17, 31, 64, 1000, 65536}) {
    std::string pt = Bytes(static_cast<uint8_t>(n), n, true);
    std::vector<uint8_t> sealed(n + kTagSize);
    AeadSeal(key, nonce, AsBytes(pt), sealed.data());
    EXPECT_TRUE(verifier.Verify(nonce, sealed)) << n;
    for (size_t at : {size_t{0}, n / 2, n + kTagSize - 1}) {
      std::vector<uint8_t> bad = sealed;
      bad[at] ^= 0x40;
      EXPECT_FALSE(verifier.Verify(nonce, bad)) << n << " at " << at;
    }
    uint8_t other[12] = {1, 2, 4};
    EXPECT_FALSE(verifier.Verify(other, sealed)) << n;
  }
  EXPECT_FALSE(verifier.Verify(nonce, ByteView()));
}

}  // namespace
}  // namespace sealsync::crypto
