// ReadJson: the API client's JSON reader. Accepts and rejects what
// nlohmann's Json::parse does and builds the same values (number types
// included); tests/fuzz/json_fuzz.cc checks the same property on random
// input.
#include "lib/kube/json_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace sealsync::kube {
namespace {

using Json = nlohmann::json;

// Both readers agree on `text`, and ReadJson accepts it.
Json Accepts(std::string_view text) {
  auto ours = ReadJson(text);
  EXPECT_TRUE(ours.has_value()) << text;
  if (!ours) return nullptr;
  Json theirs = Json::parse(text);
  EXPECT_EQ(*ours, theirs) << text;
  EXPECT_EQ(ours->dump(), theirs.dump()) << text;
  return *ours;
}

void Rejects(std::string_view text) {
  EXPECT_FALSE(ReadJson(text).has_value()) << text;
  EXPECT_TRUE(
      Json::parse(text.begin(), text.end(), nullptr, false).is_discarded())
      << text;
}

TEST(ReadJson, KubernetesWatchEvent) {
  Json ev = Accepts(
      R"({"type":"ADDED","object":{"apiVersion":"v1","kind":"Secret",)"
      R"("metadata":{"name":"db","namespace":"team-a","resourceVersion":"42",)"
      R"("labels":{"app.kubernetes.io/managed-by":"sealsync"}},)"
      R"("data":{"password":"c2VjcmV0"},"type":"Opaque"}})");
  EXPECT_EQ(ev["type"], "ADDED");
  EXPECT_EQ(ev["object"]["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(ev["object"]["data"]["password"], "c2VjcmV0");
}

TEST(ReadJson, NumberTypesMatchJsonParse) {
  EXPECT_TRUE(Accepts("7").is_number_unsigned());
  EXPECT_TRUE(Accepts("0").is_number_unsigned());
  EXPECT_TRUE(Accepts("-7").is_number_integer());
  EXPECT_FALSE(Accepts("-7").is_number_unsigned());
  EXPECT_TRUE(Accepts("-0").is_number_integer());
  EXPECT_EQ(Accepts("18446744073709551615").get<uint64_t>(), UINT64_MAX);
  EXPECT_TRUE(Accepts("18446744073709551616").is_number_float());
  EXPECT_EQ(Accepts("-9223372036854775808").get<int64_t>(), INT64_MIN);
  EXPECT_TRUE(Accepts("-9223372036854775809").is_number_float());
  EXPECT_DOUBLE_EQ(Accepts("1.5e3").get<double>(), 1500.0);
  EXPECT_DOUBLE_EQ(Accepts("-2.5E-1").get<double>(), -0.25);
  EXPECT_EQ(Accepts("1e-400").get<double>(), 0.0);  // underflow is zero
  Rejects("1e400");                                 // overflow is an error
  Rejects("01");
  Rejects("1.");
  Rejects(".5");
  Rejects("-");
  Rejects("1e");
  Rejects("+1");
}

TEST(ReadJson, StringsAndEscapes) {
  EXPECT_EQ(Accepts(R"("a\"b\\c\/d\b\f\n\r\t")").get<std::string>(),
            "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(Accepts(R"("\u00e9\u20ac\ud83d\ude00")").get<std::string>(),
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(Accepts("\"\xC3\xA9\xF0\x9F\x98\x80\"").get<std::string>(),
            "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(Accepts(R"("\u0000")").get<std::string>(), std::string(1, '\0'));
  Rejects(R"("\ud83d")");        // lone high surrogate
  Rejects(R"("\ude00")");        // lone low surrogate
  Rejects(R"("\ud83d\u0041")");  // high surrogate, no low one
  Rejects(R"("\x41")");          // not a JSON escape
  Rejects(R"("\u12G4")");
  Rejects("\"a\nb\"");              // raw control character
  Rejects("\"\xC0\xAF\"");          // overlong
  Rejects("\"\xED\xA0\x80\"");      // UTF-8 encoded surrogate
  Rejects("\"\xF4\x90\x80\x80\"");  // above U+10FFFF
  Rejects("\"\xE2\x82\"");          // truncated sequence
  Rejects("\"abc");                 // unterminated
}

TEST(ReadJson, StructureAndWhitespace) {
  Accepts(" \t\r\n{ \"a\" : [ 1 , { } , [ ] , null , true , false ] } \n");
  Accepts("\xEF\xBB\xBF{}");  // a byte order mark is skipped
  // A repeated key: the last value wins.
  EXPECT_EQ(Accepts(R"({"a":{"x":1},"a":2})")["a"], 2);
  Rejects("");
  Rejects(" ");
  Rejects("{} {}");
  Rejects("[1,]");
  Rejects("{\"a\":1,}");
  Rejects("{\"a\" 1}");
  Rejects("{1:2}");
  Rejects("[1 2]");
  Rejects("[");
  Rejects("tru");
  Rejects("nul");
  Rejects("[true false]");
  // Json::parse stops at a NUL byte after the value; so does ReadJson.
  Accepts(std::string_view("[1] \0x", 6));
  Rejects(std::string_view("[1,\0]", 5));
  Rejects(std::string_view("\0", 1));
}

TEST(ReadJson, DepthIsBounded) {
  std::string ok(kMaxJsonDepth, '[');
  ok += std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ReadJson(ok).has_value());
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_FALSE(ReadJson(deep).has_value());
  // Far deeper than any stack would allow a naive reader.
  std::string huge(1000000, '[');
  EXPECT_FALSE(ReadJson(huge).has_value());
}

}  // namespace
}  // namespace sealsync::kube
