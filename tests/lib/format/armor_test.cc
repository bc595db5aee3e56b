// Tests of lib/format/armor: age's strict PEM armor. Armor output is
// canonical; Dearmor accepts only that, modulo surrounding whitespace and CRLF.
#include "lib/format/armor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealsync::format {
namespace {

const std::string kBegin(kArmorBegin);
const std::string kEnd(kArmorEnd);

Bytes Pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 73 + 5);
  return b;
}

std::string Armored(const std::string& body_lines) {
  return kBegin + "\n" + body_lines + kEnd + "\n";
}

std::string Line(char c, size_t n) { return std::string(n, c) + "\n"; }

void ExpectMalformed(const std::string& text) {
  auto r = Dearmor(AsBytes(text));
  ASSERT_FALSE(r.has_value()) << "accepted: " << text;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(r.error().message().starts_with("armor malformed: "))
      << r.error().message();
}

TEST(ArmorTest, KnownVector) {
  EXPECT_EQ(Armor(AsBytes("foobar")), Armored("Zm9vYmFy\n"));
  EXPECT_EQ(Armor(AsBytes("f")), Armored("Zg==\n"));
}

std::vector<size_t> RoundTripSizes() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 200; ++n) sizes.push_back(n);
  for (size_t k : {5, 10, 21, 100}) {
    for (size_t n : {48 * k - 1, 48 * k, 48 * k + 1}) sizes.push_back(n);
  }
  return sizes;
}

TEST(ArmorTest, RoundTripsAndIsCanonical) {
  for (size_t n : RoundTripSizes()) {
    SCOPED_TRACE(n);
    Bytes data = Pattern(n);
    std::string text = Armor(data);
    // Layout: begin, full 64-column lines, one last line of 1..64, end, LF.
    ASSERT_TRUE(text.starts_with(kBegin + "\n"));
    ASSERT_TRUE(text.ends_with("\n" + kEnd + "\n"));
    std::string body = text.substr(
        kBegin.size() + 1, text.size() - kBegin.size() - kEnd.size() - 2);
    size_t b64_len = (n + 2) / 3 * 4;
    size_t lines = (b64_len + 63) / 64;
    EXPECT_EQ(body.size(), b64_len + lines);
    for (size_t i = 0; i + 1 < lines; ++i) {
      EXPECT_EQ(body[i * 65 + 64], '\n');
    }
    auto back = Dearmor(AsBytes(text));
    ASSERT_TRUE(back.has_value()) << back.error().message();
    EXPECT_EQ(*back, data);
  }
}

TEST(ArmorTest, LooksArmored) {
  EXPECT_TRUE(LooksArmored(AsBytes(kBegin)));
  EXPECT_TRUE(LooksArmored(AsBytes(" \t\r\n" + kBegin + "\nxx")));
  EXPECT_FALSE(LooksArmored(AsBytes("age-encryption.org/v1\n")));
  EXPECT_FALSE(LooksArmored(AsBytes("x" + kBegin)));
  EXPECT_FALSE(LooksArmored(AsBytes("")));
}

struct Accepted {
  const char* name;
  std::string text;
};

void PrintTo(const Accepted& c, std::ostream* os) {
  *os << c.name << ": " << testing::PrintToString(c.text);
}

class ArmorAcceptsTest : public testing::TestWithParam<Accepted> {};

TEST_P(ArmorAcceptsTest, DecodesToTheSameBytes) {
  auto r = Dearmor(AsBytes(GetParam().text));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, Pattern(100));
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos;
       p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::vector<Accepted> AcceptedCases() {
  const std::string a = Armor(Pattern(100));  // 3 data lines: 64, 64, 8
  return {
      {"Canonical", a},
      {"LeadingWhitespace", " \t\r\n\n" + a},
      {"TrailingWhitespace", a + "\n\r\n \t"},
      {"NoFinalNewline", a.substr(0, a.size() - 1)},
      {"Crlf", Replace(a, "\n", "\r\n")},
      {"CrlfOnSomeLines", Replace(a, kBegin + "\n", kBegin + "\r\n")},
  };
}

INSTANTIATE_TEST_SUITE_P(Cases, ArmorAcceptsTest,
                         testing::ValuesIn(AcceptedCases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

struct Malformed {
  const char* name;
  std::string text;
};

void PrintTo(const Malformed& c, std::ostream* os) {
  *os << c.name << ": " << testing::PrintToString(c.text);
}

std::vector<Malformed> MalformedCases() {
  const std::string a = Armor(Pattern(100));
  const std::string full = Line('A', 64);
  return {
      {"Empty", ""},
      {"Whitespace", " \n\t"},
      {"BeginOnly", kBegin + "\n"},
      {"MissingEnd", kBegin + "\nZm9v\n"},
      {"MissingBegin", "Zm9v\n" + kEnd + "\n"},
      {"GarbageBefore", "x\n" + a},
      {"GarbageAfter", a + "x\n"},
      {"GarbageAfterEndSameLine", a.substr(0, a.size() - 1) + "x\n"},
      {"SecondBlock", a + a},
      {"BeginTrailingSpace", Replace(a, kBegin + "\n", kBegin + " \n")},
      {"EndLeadingSpace", Replace(a, "\n" + kEnd, "\n " + kEnd)},
      {"LowerCaseLabel",
       Replace(a, "AGE ENCRYPTED FILE", "age encrypted file")},
      {"OtherLabel", Replace(a, "AGE ENCRYPTED FILE", "PGP MESSAGE")},
      {"ShortLineInTheMiddle", Armored("Zm9v\n" + full)},
      {"Line65Cols", Armored(Line('A', 64) + "A" + "\n" + "AAAA\n")},
      {"Line65ColsLast", Armored(Line('A', 65))},
      {"Line68ColsLast", Armored(Line('A', 68))},
      {"EmptyLineInTheMiddle", Armored(full + "\n" + "AAAA\n")},
      {"EmptyLineBeforeEnd", Armored("AAAA\n\n")},
      {"EmptyLineAfterBegin", Armored("\nAAAA\n")},
      {"BareCr", Replace(a, "\n", "\r")},
      {"DoubleCr", Replace(a, "\n", "\r\r\n")},
      {"SpaceInLine", Armored("Zm9v Zm9v\n")},
      {"TrailingSpaceOnLine", Armored("Zm9v \n")},
      {"RawNoPadding", Armored("Zg\n")},
      {"ShortPadding", Armored("Zg=\n")},
      {"ExtraPadding", Armored("Zg===\n")},
      {"PadThenData", Armored("Zg=A\n")},
      {"PadInTheMiddle", Armored("Zg==Zm9v\n")},
      {"PaddedFullLineThenMore", Armored(std::string(62, 'A') + "==\nAAAA\n")},
      {"NonCanonicalBits4", Armored("Zh==\n")},
      {"NonCanonicalBits2", Armored("Zm9=\n")},
      {"UrlSafeAlphabet", Armored("-_8=\n")},
  };
}

class ArmorMalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(ArmorMalformedTest, IsInvalidArgument) {
  ExpectMalformed(GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Cases, ArmorMalformedTest,
                         testing::ValuesIn(MalformedCases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace sealsync::format
