// Tests of lib/base/base64: RFC 4648 vectors in both forms and the strictness
// age relies on (one encoding per byte string, so headers are not malleable).
#include "lib/base/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealsync {
namespace {

struct Vector {
  std::string bytes;
  std::string padded;
  std::string raw;
};

// RFC 4648 section 10, plus the two characters outside [A-Za-z0-9].
const std::vector<Vector> kVectors = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"\xfb\xff", "+/8=", "+/8"},
    {std::string("\x00\x00\x00", 3), "AAAA", "AAAA"},
};

Bytes B(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(Base64Test, EncodesRfc4648Vectors) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.padded);
    EXPECT_EQ(Base64Encode(AsBytes(v.bytes)), v.padded);
    EXPECT_EQ(Base64EncodeRaw(AsBytes(v.bytes)), v.raw);
  }
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.padded);
    auto padded = Base64Decode(v.padded);
    ASSERT_TRUE(padded.has_value());
    EXPECT_EQ(*padded, B(v.bytes));
    auto raw = Base64DecodeRaw(v.raw);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, B(v.bytes));
  }
}

TEST(Base64Test, RoundTripsEveryLengthAndByteValue) {
  Bytes data;
  for (int n = 0; n < 300; ++n) {
    SCOPED_TRACE(n);
    auto padded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(padded.has_value());
    EXPECT_EQ(*padded, data);
    auto raw = Base64DecodeRaw(Base64EncodeRaw(data));
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(*raw, data);
    data.push_back(static_cast<uint8_t>(n * 167 + 13));
  }
}

struct Reject {
  const char* name;
  std::string text;
};

void PrintTo(const Reject& c, std::ostream* os) {
  *os << c.name << ": " << testing::PrintToString(c.text);
}

class Base64DecodeRejects : public testing::TestWithParam<Reject> {};

TEST_P(Base64DecodeRejects, Padded) {
  EXPECT_FALSE(Base64Decode(GetParam().text).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Padded, Base64DecodeRejects,
    testing::Values(
        Reject{"MissingPadding2", "Zg"}, Reject{"MissingPadding1", "Zm8"},
        Reject{"ShortPadding", "Zg="}, Reject{"ExtraPadding", "Zg==="},
        Reject{"PaddingOnFullGroup", "Zm9v===="},
        Reject{"ThreePadChars", "Z==="}, Reject{"OnlyPadding", "===="},
        Reject{"PadThenData", "Zg=A"}, Reject{"PadThenDataLonger", "Zm9vYg=A"},
        Reject{"PaddingInTheMiddle", "Zg==Zg=="},
        Reject{"NonZeroTrailingBits4", "Zh=="},
        Reject{"NonZeroTrailingBits2", "Zm9="}, Reject{"WrongLength", "Zm9vY"},
        Reject{"UrlSafeDash", "-_8="}, Reject{"Newline", "Zm9v\n"},
        Reject{"InnerSpace", "Zm9v Zm9v"},
        Reject{"NulByte", std::string("Zm9\0", 4)},
        Reject{"HighByte", "Zm9\xff"}),
    [](const auto& info) { return std::string(info.param.name); });

class Base64DecodeRawRejects : public testing::TestWithParam<Reject> {};

TEST_P(Base64DecodeRawRejects, Raw) {
  EXPECT_FALSE(Base64DecodeRaw(GetParam().text).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Raw, Base64DecodeRawRejects,
    testing::Values(Reject{"Padded2", "Zg=="}, Reject{"Padded1", "Zm8="},
                    Reject{"PadOnly", "="}, Reject{"PadInTheMiddle", "Zg=Zm9v"},
                    Reject{"OneChar", "Z"}, Reject{"FiveChars", "Zm9vY"},
                    Reject{"NonZeroTrailingBits4", "Zh"},
                    Reject{"NonZeroTrailingBits2", "Zm9"},
                    Reject{"UrlSafe", "-_8"}, Reject{"Newline", "Zm9v\n"},
                    Reject{"CarriageReturn", "Zm9v\r"},
                    Reject{"Space", "Zm 9v"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace sealsync
