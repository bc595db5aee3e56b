// templateFrom (template_from.h, flat_map.h): parsing with every refusal
// named by field, reading ConfigMaps of the object's own namespace only,
// rendering into data, labels and annotations, the KeysAndValues flat-map
// subset, and the bounds. No value ever appears in an error.
#include "operator/template_from.h"

#include <gtest/gtest.h>

#include "operator/flat_map.h"
#include "operator/template_engine.h"
#include "tests/lib/kube/fake_client.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;

constexpr char kCanary[] = "canary-7c1d-never-in-errors";
const std::string kField = "ExternalSecret team-a/app: templateFrom";

Result<std::vector<TemplateFrom>> Parse(Json list) {
  return ParseTemplateFrom(list, "team-a", kField);
}

TEST(TemplateFromParse, TheEsoShapeAndALiteral) {
  auto t = Parse(Json::parse(R"([
    {"configMap": {"name": "tpl", "items": [
       {"key": "a.yaml"}, {"key": "env", "templateAs": "KeysAndValues"}]}},
    {"configMap": {"name": "tpl", "namespace": "team-a",
                   "items": [{"key": "l"}]}, "target": "Labels"},
    {"literal": "x: {{ .pw }}", "target": "Annotations"}])"));
  ASSERT_TRUE(t.has_value()) << t.error().message();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].config_map, "tpl");
  EXPECT_FALSE((*t)[0].items[0].keys_and_values);
  EXPECT_TRUE((*t)[0].items[1].keys_and_values);
  EXPECT_EQ((*t)[1].target, TemplateFrom::Target::kLabels);
  EXPECT_EQ((*t)[2].target, TemplateFrom::Target::kAnnotations);
  EXPECT_EQ((*t)[2].literal, "x: {{ .pw }}");
}

TEST(TemplateFromParse, RefusalsNameTheField) {
  struct Row {
    const char* json;
    ErrorCode code;
    const char* field;
  } rows[] = {
      {R"([{"configMap": {"name": "tpl", "namespace": "kube-system",
            "items": [{"key": "k"}]}}])",
       ErrorCode::kPermissionDenied, "templateFrom[0].configMap.namespace"},
      {R"([{"secret": {"name": "s", "items": [{"key": "k"}]}}])",
       ErrorCode::kInvalidArgument, "templateFrom[0].secret"},
      {R"([{"target": "Data"}])", ErrorCode::kInvalidArgument,
       "templateFrom[0]: needs exactly one"},
      {R"([{"literal": "a", "configMap": {"name": "t", "items": [{"key":
            "k"}]}}])",
       ErrorCode::kInvalidArgument, "templateFrom[0]: needs exactly one"},
      {R"([{"literal": "a", "target": "Status"}])", ErrorCode::kInvalidArgument,
       "templateFrom[0].target"},
      {R"([{"configMap": {"name": "t", "items": [{"key": "k",
            "templateAs": "Keys"}]}}])",
       ErrorCode::kInvalidArgument, "items[0].templateAs"},
      {R"([{"configMap": {"name": "t", "items": []}}])",
       ErrorCode::kInvalidArgument, "configMap.items"},
      {R"([{"configMap": {"name": "../secrets", "items": [{"key": "k"}]}}])",
       ErrorCode::kInvalidArgument, "configMap.name"},
      {R"([{"configMap": {"name": "t", "items": [{"key": "a/b"}]}}])",
       ErrorCode::kInvalidArgument, "items[0].key"},
      {R"({"configMap": {}})", ErrorCode::kInvalidArgument, "want a list"},
  };
  for (const Row& r : rows) {
    auto t = Parse(Json::parse(r.json));
    ASSERT_FALSE(t.has_value()) << r.json;
    EXPECT_EQ(t.error().code(), r.code) << t.error().message();
    EXPECT_NE(t.error().message().find(r.field), std::string::npos)
        << t.error().message();
  }
}

TEST(TemplateFromParse, Bounds) {
  Json many = Json::array();
  for (size_t i = 0; i <= kMaxTemplateFrom; ++i)
    many.push_back({{"literal", "a: b"}});
  EXPECT_EQ(Parse(many).error().code(), ErrorCode::kResourceExhausted);
  Json items = Json::array();
  for (size_t i = 0; i <= kMaxTemplateFromItems; ++i)
    items.push_back({{"key", "k" + std::to_string(i)}});
  auto t =
      Parse(Json::array({{{"configMap", {{"name", "t"}, {"items", items}}}}}));
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code(), ErrorCode::kResourceExhausted);
  auto big = Parse(
      Json::array({{{"literal", std::string(kMaxTemplateBytes + 1, 'a')}}}));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code(), ErrorCode::kResourceExhausted);
}

ExternalSecretSpec Spec(Json list) {
  ExternalSecretSpec es;
  es.ns = "team-a";
  es.name = "app";
  es.template_from = *ParseTemplateFrom(list, "team-a", "f");
  return es;
}

TEST(TemplateFromRead, OnlyTheOwnNamespaceAndEachConfigMapOnce) {
  FakeClient client;
  for (const char* ns : {"team-a", "team-b"})
    client.Seed(kube::kConfigMaps,
                {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "tpl"}, {"namespace", ns}}},
                 {"data", {{"a", std::string("from ") + ns}, {"b", "B"}}}});
  auto es = Spec(Json::parse(R"([
    {"configMap": {"name": "tpl", "items": [{"key": "a"}]}},
    {"configMap": {"name": "tpl", "items": [{"key": "b"}]}}])"));
  auto s = ReadTemplateFrom(client, es);
  ASSERT_TRUE(s.has_value()) << s.error().message();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].text, "from team-a");
  EXPECT_EQ((*s)[1].text, "B");
  EXPECT_EQ(client.CountCalls("get", "configmaps"), 1);
  for (const auto& c : client.Calls()) EXPECT_EQ(c.key.ns, "team-a");
}

TEST(TemplateFromRead, ErrorsNameTheFieldAndTheConfigMap) {
  FakeClient client;
  client.Seed(
      kube::kConfigMaps,
      {{"apiVersion", "v1"},
       {"kind", "ConfigMap"},
       {"metadata", {{"name", "tpl"}, {"namespace", "team-a"}}},
       {"data",
        {{"a", "x"}, {"huge", std::string(kMaxTemplateBytes + 1, 'x')}}}});
  struct Row {
    const char* json;
    ErrorCode code;
    const char* text;
  } rows[] = {
      {R"([{"configMap": {"name": "nope", "items": [{"key": "a"}]}}])",
       ErrorCode::kFailedPrecondition,
       "ExternalSecret team-a/app: spec.target.template.templateFrom[0]."
       "configMap.name: ConfigMap team-a/nope does not exist"},
      {R"([{"configMap": {"name": "tpl", "items": [{"key": "a"},
            {"key": "zz"}]}}])",
       ErrorCode::kFailedPrecondition,
       "templateFrom[0].configMap.items[1].key: ConfigMap team-a/tpl has no "
       "key \"zz\""},
      {R"([{"configMap": {"name": "tpl", "items": [{"key": "huge"}]}}])",
       ErrorCode::kResourceExhausted, "is longer than 65536 bytes"},
  };
  for (const Row& r : rows) {
    auto s = ReadTemplateFrom(client, Spec(Json::parse(r.json)));
    ASSERT_FALSE(s.has_value()) << r.json;
    EXPECT_EQ(s.error().code(), r.code) << s.error().message();
    EXPECT_NE(s.error().message().find(r.text), std::string::npos)
        << s.error().message();
  }
}

const std::map<std::string, std::string> kValues = {
    {"user", "app"}, {"pw", kCanary}, {"bad-label", "not ok!"}};

TemplateSource Src(std::string text, bool kv = true,
                   TemplateFrom::Target t = TemplateFrom::Target::kData,
                   std::string key = "") {
  return {t, kv, std::move(key), "f", std::move(text)};
}

TEST(TemplateFromRender, ValuesKeysAndValuesLabelsAnnotations) {
  RenderedTarget out;
  auto ok = RenderTemplateFrom(
      {Src("{{ .user }}:{{ .pw }}", false, TemplateFrom::Target::kData, "dsn"),
       Src("USER: {{ .user }}\nPW: \"{{ .pw }}\"\n"),
       Src("{\"J\": {{ .pw | toJson }}}"),
       Src("team: {{ .user }}", true, TemplateFrom::Target::kLabels),
       Src("example.com/who: '{{ .user }}'", true,
           TemplateFrom::Target::kAnnotations)},
      kValues, out);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(out.data["dsn"], std::string("app:") + kCanary);
  EXPECT_EQ(out.data["USER"], "app");
  EXPECT_EQ(out.data["PW"], kCanary);
  EXPECT_EQ(out.data["J"], kCanary);
  EXPECT_EQ(out.labels["team"], "app");
  EXPECT_EQ(out.annotations["example.com/who"], "app");
}

TEST(TemplateFromRender, MetadataRefusalsNeverQuoteTheValue) {
  struct Row {
    TemplateSource src;
    const char* text;
  } rows[] = {
      {Src("sealsync.dev/owner: ExternalSecret/other", true,
           TemplateFrom::Target::kAnnotations),
       "reserved for the operator"},
      {Src("sealsync.dev/x: y", true, TemplateFrom::Target::kLabels),
       "reserved for the operator"},
      {Src("x: {{ .pw }} and more", true, TemplateFrom::Target::kLabels),
       "is not a valid label value"},
      {Src("bad key!: v", true, TemplateFrom::Target::kLabels),
       "is not a valid qualified name"},
  };
  for (const Row& r : rows) {
    RenderedTarget out;
    auto e = RenderTemplateFrom({r.src}, kValues, out);
    ASSERT_FALSE(e.has_value()) << r.src.text;
    EXPECT_NE(e.error().message().find(r.text), std::string::npos)
        << e.error().message();
    EXPECT_EQ(e.error().message().find(kCanary), std::string::npos);
  }
}

TEST(TemplateFromRender, TheWholeRenderedSecretIsBounded) {
  RenderedTarget out;
  std::vector<TemplateSource> big;
  // Each fits its own bound (64 KiB); 20 of them do not fit a Secret.
  for (int i = 0; i < 20; ++i)
    big.push_back(Src(std::string(60000, 'a'), false,
                      TemplateFrom::Target::kData, "k" + std::to_string(i)));
  auto e = RenderTemplateFrom(big, kValues, out);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), ErrorCode::kResourceExhausted);
}

TEST(FlatMap, TheSubsetAndItsRefusals) {
  auto m = ParseFlatMap(
      "---\n# comment\nA: plain value # a comment\n\"B\": \"q\\\"\\n\\u00e9\"\n"
      "C: 'it''s'\nD:\nE: ~\nF: a:b#c\r\n",
      "f");
  ASSERT_TRUE(m.has_value()) << m.error().message();
  EXPECT_EQ((*m)["A"], "plain value");
  EXPECT_EQ((*m)["B"], "q\"\n\xC3\xA9");
  EXPECT_EQ((*m)["C"], "it's");
  EXPECT_EQ((*m)["D"], "");
  EXPECT_EQ((*m)["E"], "");
  EXPECT_EQ((*m)["F"], "a:b#c");
  auto j = ParseFlatMap(" {\"a\": \"x\", \"n\": 3, \"t\": true}", "f");
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["n"], "3");
  EXPECT_EQ((*j)["t"], "true");
  const std::string c = kCanary;
  struct Row {
    std::string text;
    const char* what;
  } rows[] = {
      {"A: x\n  nested: " + c, "line 2: indented"},
      {"A: |\n  " + c, "line 1: unsupported YAML"},
      {"A: [" + c + "]", "line 1: unsupported YAML"},
      {"A: &anchor " + c, "line 1: unsupported YAML"},
      {"- " + c, "line 1: unsupported YAML"},
      {"A: \"" + c, "line 1: a quote not closed"},
      {"A: \"" + c + "\" tail", "line 1: text after a closing quote"},
      {"A: 1\nA: " + c, "line 2: a key repeated"},
      {c, "line 1: want \"key: value\""},
      {"{\"a\": {\"b\": \"" + c + "\"}}", "nested value"},
      {"{\"a\": \"" + c, "not a JSON object"},
  };
  for (const Row& r : rows) {
    auto e = ParseFlatMap(r.text, "f");
    ASSERT_FALSE(e.has_value()) << r.text;
    EXPECT_NE(e.error().message().find(r.what), std::string::npos)
        << e.error().message();
    EXPECT_EQ(e.error().message().find(kCanary), std::string::npos)
        << e.error().message();
  }
}

}  // namespace
}  // namespace sealsync::op
