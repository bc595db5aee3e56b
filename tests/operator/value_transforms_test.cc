// decodingStrategy, nested property paths and dataFrom.rewrite.
#include "operator/value_transforms.h"

#include <gtest/gtest.h>

namespace sealsync::op {
namespace {

using kube::Json;

TEST(ValueTransforms, DecodingStrategies) {
  EXPECT_EQ(*DecodeValue("aGk/Pz8=", Decoding::kBase64, "f"), "hi???");
  EXPECT_EQ(*DecodeValue("aGk_Pz8=", Decoding::kBase64Url, "f"), "hi???");
  EXPECT_EQ(*DecodeValue("aGk_Pz8=", Decoding::kAuto, "f"), "hi???");
  EXPECT_EQ(*DecodeValue("aGk/Pz8=", Decoding::kAuto, "f"), "hi???");
  EXPECT_EQ(*DecodeValue("not base64!", Decoding::kAuto, "f"), "not base64!");
  EXPECT_EQ(*DecodeValue("aGk=", Decoding::kNone, "f"), "aGk=");
  auto bad = DecodeValue("canary-not-b64!", Decoding::kBase64, "spec.data[0]");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("spec.data[0]"), std::string::npos);
  EXPECT_EQ(bad.error().message().find("canary"), std::string::npos);
  EXPECT_FALSE(DecodeValue("aGk/Pz8=", Decoding::kBase64Url, "f").has_value());
  // Parsing: the field is named.
  auto p =
      ParseDecoding({{"decodingStrategy", "Hex"}}, "spec.data[2].remoteRef");
  ASSERT_FALSE(p.has_value());
  EXPECT_NE(p.error().message().find("spec.data[2].remoteRef.decodingStrategy"),
            std::string::npos);
  EXPECT_EQ(*ParseDecoding(Json::object(), "f"), Decoding::kNone);
}

TEST(ValueTransforms, NestedPropertyPaths) {
  const std::string v =
      R"({"db":{"user":"app","ports":[5432,6432]},"a.b":"dotted","x":{"y.z":"esc"}})";
  EXPECT_EQ(*SelectProperty(v, "db.user", "f"), "app");
  EXPECT_EQ(*SelectProperty(v, "db.ports.1", "f"), "6432");
  EXPECT_EQ(*SelectProperty(v, "db", "f"),
            R"({"ports":[5432,6432],"user":"app"})");
  EXPECT_EQ(*SelectProperty(v, "a.b", "f"), "dotted");  // whole key first
  EXPECT_EQ(*SelectProperty(v, "x.y\\.z", "f"), "esc");
  auto missing = SelectProperty(v, "db.password", "spec.data[0]");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("db.password"), std::string::npos);
  auto not_json = SelectProperty("canary-plain", "a", "f");
  ASSERT_FALSE(not_json.has_value());
  EXPECT_EQ(not_json.error().message().find("canary-plain"), std::string::npos);
  // A deep value is refused by the bounded reader, not walked.
  std::string deep(100000, '[');
  EXPECT_FALSE(SelectProperty(deep, "0", "f").has_value());
}

TEST(ValueTransforms, RewriteRegexpAndTransform) {
  auto rules = ParseRewrites(
      Json::parse(R"([{"regexp":{"source":"^app_(.*)$","target":"$1"}},
                      {"regexp":{"source":"_","target":"-"}},
                      {"transform":{"template":"{{ .value | lower }}"}}])"),
      "spec.dataFrom[0].rewrite");
  ASSERT_TRUE(rules.has_value()) << rules.error().message();
  auto out = ApplyRewrites({{"app_DB_USER", "u"}, {"OTHER_KEY", "v"}}, *rules,
                           "spec.dataFrom[0]");
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(out->at("db-user"), "u");
  EXPECT_EQ(out->at("other-key"), "v");
  // Two keys onto one: refused, naming the key.
  auto one = ParseRewrites(
      Json::parse(R"([{"regexp":{"source":".*","target":"same"}}])"), "r");
  auto clash =
      ApplyRewrites({{"a", "1"}, {"b", "2"}}, *one, "spec.dataFrom[1]");
  ASSERT_FALSE(clash.has_value());
  EXPECT_NE(clash.error().message().find("same"), std::string::npos);
  // To an invalid Secret key: refused.
  auto slash = ParseRewrites(
      Json::parse(R"([{"regexp":{"source":"a","target":"../x"}}])"), "r");
  EXPECT_FALSE(ApplyRewrites({{"a", "1"}}, *slash, "f").has_value());
}

TEST(ValueTransforms, BadRewritesNameTheField) {
  for (const char* bad : {R"([{"regexp":{"source":"(unclosed","target":"x"}}])",
                          R"([{"regexp":{"source":"a","target":"$9"}}])",
                          R"([{"nothing":{}}])", R"([{"transform":{}}])"}) {
    auto r = ParseRewrites(Json::parse(bad), "spec.dataFrom[3].rewrite");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message().find("spec.dataFrom[3].rewrite[0]"),
              std::string::npos)
        << r.error().message();
  }
  Json many = Json::array();
  for (size_t i = 0; i <= kMaxRewrites; ++i)
    many.push_back({{"regexp", {{"source", "a"}, {"target", "b"}}}});
  EXPECT_FALSE(ParseRewrites(many, "r").has_value());
}

}  // namespace
}  // namespace sealsync::op
