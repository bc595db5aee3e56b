// Tests of lib/base/bech32: BIP 173 vectors, the strictness rules, and age's
// key strings.
#include "lib/base/bech32.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace sealsync {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

// A from-the-spec checksum (BIP 173 reference code), used only to build
// strings with a valid checksum but a deliberately bad payload.
std::string WithChecksum(const std::string& hrp,
                         const std::vector<uint8_t>& values) {
  auto polymod = [](const std::vector<uint8_t>& v) {
    const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                             0x2a1462b3};
    uint32_t chk = 1;
    for (uint8_t x : v) {
      uint32_t b = chk >> 25;
      chk = (chk & 0x1ffffff) << 5 ^ x;
      for (int i = 0; i < 5; ++i) chk ^= ((b >> i) & 1) ? gen[i] : 0;
    }
    return chk;
  };
  std::vector<uint8_t> in;
  for (char c : hrp) in.push_back(static_cast<uint8_t>(c) >> 5);
  in.push_back(0);
  for (char c : hrp) in.push_back(static_cast<uint8_t>(c) & 31);
  in.insert(in.end(), values.begin(), values.end());
  in.insert(in.end(), 6, 0);
  uint32_t mod = polymod(in) ^ 1;
  const char* charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::string out = hrp + "1";
  for (uint8_t v : values) out += charset[v];
  for (int i = 0; i < 6; ++i) out += charset[(mod >> (5 * (5 - i))) & 31];
  return out;
}

// BIP 173 "valid checksum" vectors. All of them also carry whole bytes with
// zero padding, so they decode fully. The 83-character HRP one is the longest
// (90 characters).
const std::vector<std::string> kValid = {
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedch"
    "aractersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11" + std::string(82, 'q') + "c8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
};

TEST(Bech32Test, DecodesBip173ValidVectorsAndReencodes) {
  for (const std::string& s : kValid) {
    SCOPED_TRACE(s);
    auto d = Bech32Decode(s);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->hrp, Lower(s.substr(0, s.rfind('1'))));
    EXPECT_EQ(Bech32Encode(d->hrp, d->data, /*upper=*/false), Lower(s));
  }
}

TEST(Bech32Test, DecodesUpperCaseForms) {
  for (const std::string& s : kValid) {
    std::string upper = s;
    for (char& c : upper) c = static_cast<char>(std::toupper(c));
    SCOPED_TRACE(upper);
    auto d = Bech32Decode(upper);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(Bech32Encode(d->hrp, d->data, /*upper=*/true), upper);
  }
}

TEST(Bech32Test, KnownPayload) {
  // "abcdef1" + the whole charset in order: values 0..31 = 20 bytes.
  auto d = Bech32Decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
  ASSERT_TRUE(d.has_value());
  const SecureBytes want = {0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54,
                            0xb6, 0x35, 0xcf, 0x84, 0x65, 0x3a, 0x56,
                            0xd7, 0xc6, 0x75, 0xbe, 0x77, 0xdf};
  EXPECT_EQ(d->data, want);
}

TEST(Bech32Test, AcceptsLongerThan90Characters) {
  // BIP 173 rejects this only for its length; age (and we) have no limit.
  const std::string s =
      "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcluded"
      "charactersbio1569pvx";
  EXPECT_TRUE(Bech32Decode(s).has_value());
}

TEST(Bech32Test, RoundTripsEveryLength) {
  Bytes data;
  for (int n = 0; n < 80; ++n) {
    SCOPED_TRACE(n);
    for (bool upper : {false, true}) {
      std::string s = Bech32Encode("age", data, upper);
      auto d = Bech32Decode(s);
      ASSERT_TRUE(d.has_value());
      EXPECT_EQ(d->hrp, "age");
      EXPECT_TRUE(
          std::equal(d->data.begin(), d->data.end(), data.begin(), data.end()));
    }
    data.push_back(static_cast<uint8_t>(n * 59 + 7));
  }
}

struct Reject {
  const char* name;
  std::string text;
};

void PrintTo(const Reject& c, std::ostream* os) {
  *os << c.name << ": " << testing::PrintToString(c.text);
}

class Bech32Rejects : public testing::TestWithParam<Reject> {};

TEST_P(Bech32Rejects, Decode) {
  EXPECT_FALSE(Bech32Decode(GetParam().text).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Bip173AndStrictness, Bech32Rejects,
    testing::Values(
        // BIP 173 invalid vectors (all but the over-90 one, see above).
        Reject{"HrpSpace",
               "\x20"
               "1nwldj5"},
        Reject{"HrpDel",
               "\x7f"
               "1axkwrx"},
        Reject{"Hrp0x80",
               "\x80"
               "1eym55h"},
        Reject{"NoSeparator", "pzry9x0s0muk"},
        Reject{"EmptyHrp", "1pzry9x0s0muk"},
        Reject{"InvalidDataChar", "x1b4n0q5v"},
        Reject{"ChecksumTooShort", "li1dgmt3"},
        Reject{"InvalidChecksumChar", "de1lg7wt\xff"},
        Reject{"ChecksumOfUpperHrp", "A1G7SGD8"},
        Reject{"EmptyHrp2", "10a06t8"}, Reject{"EmptyHrp3", "1qzzfhee"},
        // Mixed case.
        Reject{"MixedCase", "a12UEL5L"},
        Reject{"MixedCaseHrp",
               "Age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869"
               "xeexvn73equnujwj"},
        // Checksum errors.
        Reject{"FlippedLastChar", "a12uel5m"},
        Reject{"FlippedDataChar",
               "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7pmqqqxw"},
        Reject{"Truncated",
               "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869"
               "xeexvn73equnujw"},
        Reject{"Empty", ""}, Reject{"InnerSpace", "a12u el5l"},
        // Valid checksum, bad padding bits.
        Reject{"FiveLeftoverBits", WithChecksum("age", {0})},
        Reject{"NonZeroPadding", WithChecksum("age", {0, 1})},
        Reject{"TenBitsOneSet", WithChecksum("age", {31, 17})}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Bech32Test, ZeroPaddingIsAccepted) {
  // The control for the padding rejections above.
  auto d = Bech32Decode(WithChecksum("age", {0, 0}));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->data, SecureBytes{0x00});
  auto e = Bech32Decode(WithChecksum("age", {31, 28}));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->data, SecureBytes{0xff});
}

// The example key pair of the age spec (age-encryption.org/v1, "X25519
// recipient stanza"). The identity is 32 bytes of 0x42. That the recipient is
// the identity's public key is a crypto property, tested in tests/lib/crypto.
constexpr char kSpecIdentity[] =
    "AGE-SECRET-KEY-"
    "1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
constexpr char kSpecRecipient[] =
    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

TEST(Bech32Test, AgeSpecIdentity) {
  auto d = Bech32Decode(kSpecIdentity);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->hrp, "age-secret-key-");
  EXPECT_EQ(d->data, SecureBytes(32, 0x42));
  EXPECT_EQ(Bech32Encode("AGE-SECRET-KEY-", d->data, /*upper=*/true),
            kSpecIdentity);
  // Lower case is the same key.
  auto lower = Bech32Decode(Lower(kSpecIdentity));
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(lower->data, d->data);
}

TEST(Bech32Test, AgeSpecRecipient) {
  auto d = Bech32Decode(kSpecRecipient);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->hrp, "age");
  EXPECT_EQ(d->data.size(), 32u);
  EXPECT_EQ(Bech32Encode("age", d->data, /*upper=*/false), kSpecRecipient);
}

}  // namespace
}  // namespace sealsync
