// Tests of lib/format/age_header: the grammar of the age v1 header. Every
// accepted header has exactly one encoding, so parse and serialise are
// inverse in both directions; every deviation is "header malformed".
#include "lib/format/age_header.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "lib/base/base64.h"

namespace sealsync::format {
namespace {

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

std::string B64(const Bytes& b) { return Base64EncodeRaw(b); }

Stanza MakeStanza(std::string type, std::vector<std::string> args,
                  size_t body_size) {
  return Stanza{std::move(type), std::move(args), Pattern(body_size, 7)};
}

Header MakeHeader(std::vector<Stanza> stanzas) {
  Header h;
  h.stanzas = std::move(stanzas);
  for (size_t i = 0; i < h.mac.size(); ++i) h.mac[i] = static_cast<uint8_t>(i);
  return h;
}

// 43 characters, the length of a 32-byte value in raw base64.
const std::string kArg43 = B64(Pattern(32, 1));
const std::string kMac43 = B64(Pattern(32, 2));
const std::string kBody43 = B64(Pattern(32, 3));

// A minimal valid header, the base of the malformed cases.
std::string ValidHeader() {
  return "age-encryption.org/v1\n-> X25519 " + kArg43 + "\n" + kBody43 +
         "\n--- " + kMac43 + "\n";
}

void ExpectMalformed(const std::string& text) {
  auto r = ParseHeader(AsBytes(text));
  ASSERT_FALSE(r.has_value()) << "accepted: " << text;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(r.error().message().starts_with("header malformed: "))
      << r.error().message();
}

TEST(AgeHeaderTest, ParsesMinimalHeader) {
  std::string text = ValidHeader();
  auto r = ParseHeader(AsBytes(text));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->header.stanzas.size(), 1u);
  const Stanza& s = r->header.stanzas[0];
  EXPECT_EQ(s.type, "X25519");
  EXPECT_EQ(s.args, std::vector<std::string>{kArg43});
  EXPECT_EQ(s.body, Pattern(32, 3));
  EXPECT_EQ(Bytes(r->header.mac.begin(), r->header.mac.end()), Pattern(32, 2));
  EXPECT_EQ(r->size, text.size());
  EXPECT_EQ(text.substr(0, r->mac_input_size),
            text.substr(0, text.size() - 45));
  EXPECT_TRUE(text.substr(0, r->mac_input_size).ends_with("\n---"));
}

TEST(AgeHeaderTest, SizeIsWherePayloadStarts) {
  std::string header = ValidHeader();
  std::string file = header + std::string("\x00\x01payload\n--- more", 17);
  auto r = ParseHeader(AsBytes(file));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->size, header.size());
  EXPECT_EQ(file.substr(r->mac_input_size, 4), " " + kMac43.substr(0, 3));
  EXPECT_EQ(SerializeMacInput(r->header.stanzas),
            file.substr(0, r->mac_input_size));
}

// Body sizes around the 48-byte (64-column) line boundary, and the exact
// line layout the spec requires.
struct BodyCase {
  size_t size;
  std::vector<size_t> line_lengths;  // of the body lines, final one included
};

class AgeHeaderBodyTest : public testing::TestWithParam<BodyCase> {};

TEST_P(AgeHeaderBodyTest, LayoutAndRoundTrip) {
  const BodyCase& c = GetParam();
  Header h = MakeHeader({MakeStanza("test", {"a"}, c.size)});
  std::string text = SerializeHeader(h);

  // Layout: version, stanza line, body lines, MAC line.
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  ASSERT_EQ(lines.size(), 3 + c.line_lengths.size());
  EXPECT_EQ(lines[0], "age-encryption.org/v1");
  EXPECT_EQ(lines[1], "-> test a");
  for (size_t i = 0; i < c.line_lengths.size(); ++i) {
    EXPECT_EQ(lines[2 + i].size(), c.line_lengths[i]) << "body line " << i;
  }
  EXPECT_EQ(lines.back(), "--- " + B64(Bytes(h.mac.begin(), h.mac.end())));

  auto r = ParseHeader(AsBytes(text));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->header.stanzas, h.stanzas);
  EXPECT_EQ(r->header.mac, h.mac);
  EXPECT_EQ(r->size, text.size());
  EXPECT_EQ(SerializeHeader(r->header), text);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, AgeHeaderBodyTest,
    testing::Values(BodyCase{0, {0}}, BodyCase{1, {2}}, BodyCase{32, {43}},
                    BodyCase{47, {63}}, BodyCase{48, {64, 0}},
                    BodyCase{49, {64, 2}}, BodyCase{95, {64, 63}},
                    BodyCase{96, {64, 64, 0}}, BodyCase{97, {64, 64, 2}}),
    [](const auto& info) { return "Body" + std::to_string(info.param.size); });

TEST(AgeHeaderTest, RoundTripsManyShapes) {
  const std::vector<Header> headers = {
      MakeHeader({MakeStanza("X25519", {kArg43}, 32)}),
      MakeHeader({MakeStanza("scrypt", {B64(Pattern(16, 9)), "18"}, 32)}),
      MakeHeader({MakeStanza("type-only", {}, 0)}),
      MakeHeader({MakeStanza("X25519", {kArg43}, 32),
                  MakeStanza("X25519", {kArg43}, 32),
                  MakeStanza("sealsync-scope", {"team-a/db"}, 0)}),
      MakeHeader({MakeStanza("!~", {"a", "b", "c", "d", "e", "{}[]<>"}, 200)}),
      MakeHeader({MakeStanza("x", {}, 48), MakeStanza("y", {"z"}, 96)}),
  };
  for (const Header& h : headers) {
    std::string text = SerializeHeader(h);
    SCOPED_TRACE(text);
    auto r = ParseHeader(AsBytes(text));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->header.stanzas, h.stanzas);
    EXPECT_EQ(r->header.mac, h.mac);
    EXPECT_EQ(SerializeHeader(r->header), text);
    EXPECT_EQ(SerializeMacInput(h.stanzas), text.substr(0, r->mac_input_size));
    EXPECT_EQ(r->mac_input_size + 1 + 43 + 1, r->size);
  }
}

TEST(AgeHeaderTest, ParsesAgeSpecShapedHeader) {
  // Written by hand the way age writes it; serialise(parse(x)) == x.
  const std::string text =
      "age-encryption.org/v1\n"
      "-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\n"
      "EmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n"
      "-> scrypt wH4n3q3pbJ2iWBuhNS1VbA 18\n"
      "7wQ79H+zUQvqPDtXG9h4YXeMxfy7tzJLzcr5tHkTxZY\n"
      "--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n";
  auto r = ParseHeader(AsBytes(text));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->header.stanzas.size(), 2u);
  EXPECT_EQ(r->header.stanzas[1].type, "scrypt");
  EXPECT_EQ(r->header.stanzas[1].args,
            (std::vector<std::string>{"wH4n3q3pbJ2iWBuhNS1VbA", "18"}));
  EXPECT_EQ(SerializeHeader(r->header), text);
}

TEST(AgeHeaderTest, IsValidArgument) {
  EXPECT_TRUE(IsValidArgument("a"));
  EXPECT_TRUE(IsValidArgument("!~"));
  EXPECT_FALSE(IsValidArgument(""));
  EXPECT_FALSE(IsValidArgument("a b"));
  EXPECT_FALSE(IsValidArgument("a\tb"));
  EXPECT_FALSE(IsValidArgument("\x7f"));
  EXPECT_FALSE(IsValidArgument("\xc3\xa9"));
}

TEST(AgeHeaderTest, EveryStrictPrefixIsMalformed) {
  std::string text = ValidHeader();
  for (size_t n = 0; n < text.size(); ++n) {
    SCOPED_TRACE(n);
    ExpectMalformed(text.substr(0, n));
  }
}

struct Malformed {
  const char* name;
  std::string text;
};

void PrintTo(const Malformed& c, std::ostream* os) {
  *os << c.name << ": " << testing::PrintToString(c.text);
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  size_t p = s.find(from);
  if (p == std::string::npos) throw std::logic_error("no " + from);
  return s.replace(p, from.size(), to);
}

std::vector<Malformed> MalformedCases() {
  const std::string v = ValidHeader();
  const std::string stanza_line = "-> X25519 " + kArg43;
  const std::string mac_line = "--- " + kMac43;
  const std::string line64 = B64(Pattern(48, 5));
  // 32 zero bytes end in "A"; "B" sets one of the 2 unused trailing bits.
  const std::string noncanonical43 = std::string(42, 'A') + "B";
  return {
      {"Empty", ""},
      {"WrongVersion", Replace(v, "/v1", "/v2")},
      {"VersionTrailingSpace", Replace(v, "/v1\n", "/v1 \n")},
      {"VersionOnly", "age-encryption.org/v1\n"},
      {"CrlfVersion", Replace(v, "/v1\n", "/v1\r\n")},
      {"CrlfStanzaLine", Replace(v, kArg43 + "\n", kArg43 + "\r\n")},
      {"CrlfBody", Replace(v, kBody43 + "\n", kBody43 + "\r\n")},
      {"CrlfMac", Replace(v, kMac43 + "\n", kMac43 + "\r\n")},
      {"MissingFinalShortLine", Replace(v, kBody43 + "\n", line64 + "\n")},
      {"MissingFinalShortLineTwoLines",
       Replace(v, kBody43 + "\n", line64 + "\n" + line64 + "\n")},
      {"BodyLine65Cols", Replace(v, kBody43 + "\n", line64 + "A\n")},
      {"BodyLine68Cols", Replace(v, kBody43 + "\n", line64 + "AAAA\n")},
      {"ShortLineBeforeLast",
       Replace(v, kBody43 + "\n", kBody43 + "\n" + kBody43 + "\n")},
      {"NonCanonicalBody", Replace(v, kBody43, noncanonical43)},
      {"NonCanonicalMac", Replace(v, kMac43, noncanonical43)},
      {"BodyOneChar", Replace(v, kBody43 + "\n", "A\n")},
      {"PaddedBody", Replace(v, kBody43, kBody43 + "=")},
      {"PaddedEmptyLine", Replace(v, kBody43, "==")},
      {"PaddedMac", Replace(v, kMac43, kMac43 + "=")},
      {"BodyBadChar", Replace(v, kBody43, kBody43.substr(0, 40) + "-AA")},
      {"BodySpace", Replace(v, kBody43, kBody43.substr(0, 40) + " AA")},
      {"EmptyArgument", Replace(v, "X25519 ", "X25519  ")},
      {"TrailingSpace", Replace(v, kArg43 + "\n", kArg43 + " \n")},
      {"LeadingSpace", Replace(v, "-> X25519", "->  X25519")},
      {"NoArrowSpace", Replace(v, "-> X25519", "->X25519")},
      {"EmptyStanzaLine", Replace(v, stanza_line, "->")},
      {"EmptyStanzaType", Replace(v, stanza_line, "-> ")},
      {"TabSeparator", Replace(v, "X25519 ", "X25519\t")},
      {"ControlCharArg", Replace(v, "X25519",
                                 "X255\x01"
                                 "19")},
      {"DelArg", Replace(v, "X25519", "X25519\x7f")},
      {"NonAsciiArg", Replace(v, "X25519", "X25519\xc3\xa9")},
      {"NulArg", Replace(v, "X25519",
                         std::string("X25\0"
                                     "519",
                                     7))},
      {"NoStanzas", "age-encryption.org/v1\n" + mac_line + "\n"},
      {"UnknownLine", Replace(v, stanza_line, "hello")},
      {"MacShort", Replace(v, kMac43, kMac43.substr(0, 42))},
      {"MacLong", Replace(v, kMac43, kMac43 + "AAAA")},
      {"Mac16Bytes", Replace(v, kMac43, B64(Pattern(16, 2)))},
      {"MacEmpty", Replace(v, mac_line, "--- ")},
      {"MacMissing", Replace(v, mac_line, "---")},
      {"MacNoSpace", Replace(v, mac_line, "---" + kMac43)},
      {"MacFourDashes", Replace(v, mac_line, "---- " + kMac43)},
      {"MacExtraArg", Replace(v, mac_line, mac_line + " x")},
      {"MacTrailingSpace", Replace(v, mac_line, mac_line + " ")},
      {"MacDoubleSpace", Replace(v, mac_line, "---  " + kMac43)},
      {"MissingFinalLf", v.substr(0, v.size() - 1)},
      {"UnterminatedBody", "age-encryption.org/v1\n" + stanza_line + "\n"},
  };
}

class AgeHeaderMalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(AgeHeaderMalformedTest, IsInvalidArgument) {
  ExpectMalformed(GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Cases, AgeHeaderMalformedTest,
                         testing::ValuesIn(MalformedCases()),
                         [](const auto& info) {
                           return std::string(info.param.name);
                         });

TEST(AgeHeaderTest, MalformedControlIsValid) {
  // The base of the malformed table parses, so each case fails for its own
  // edit and not for a broken base.
  auto r = ParseHeader(AsBytes(ValidHeader()));
  EXPECT_TRUE(r.has_value());
  auto canonical = ParseHeader(
      AsBytes(Replace(ValidHeader(), kBody43, std::string(42, 'A') + "E")));
  EXPECT_TRUE(canonical.has_value());
}

}  // namespace
}  // namespace sealsync::format
