// Secret / SealedSecret manifest codecs: field errors name the field and
// never the value; YAML output reads back to the same strings.
#include <gtest/gtest.h>

#include "lib/api/manifest.h"
#include "sealsync/api.h"

namespace sealsync::api {
namespace {

constexpr std::string_view kCanary = "canary-7f3a9c-do-not-log";

// {"a": {"a": ... 1 ...}} nested `levels` deep.
std::string Nested(int levels) {
  std::string s;
  for (int i = 0; i < levels; ++i) s += "{\"a\": ";
  s += "1";
  for (int i = 0; i < levels; ++i) s += "}";
  return s;
}

// The "billion laughs": each level is a list of nine aliases of the one
// before, so `levels` levels expand to 9^levels strings from a few hundred
// bytes.
std::string AliasBomb(int levels) {
  std::string s = "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n";
  s += "l0: &l0 [\"lol\"]\n";
  for (int i = 1; i <= levels; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    s += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) s += (k ? "," : "") + prev;
    s += "]\n";
  }
  return s;
}

TEST(ParseSecret, DataAndStringDataMerge) {
  auto s = ParseSecret(R"(apiVersion: v1
kind: Secret
metadata: {name: db, namespace: team-a, labels: {app: web}}
type: kubernetes.io/basic-auth
immutable: true
data:
  username: YWRtaW4=
  password: b2xk
stringData:
  password: "0123"
  port: 5432
)");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->metadata.ns, "team-a");
  EXPECT_EQ(s->type, "kubernetes.io/basic-auth");
  EXPECT_EQ(s->immutable, true);
  EXPECT_EQ(AsString(s->data["username"]), "admin");
  EXPECT_EQ(AsString(s->data["password"]), "0123");  // stringData wins
  EXPECT_EQ(AsString(s->data["port"]), "5432");  // plain scalar kept as text
}

TEST(ParseSecret, QuotedValuesWithEscapedQuotesParse) {
  auto s = ParseSecret(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n"
      "  a: \"x\\\"y\"\n  b: 'it''s'\n  c: \"multi\n    line\"\n");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(AsString(s->data["a"]), "x\"y");
  EXPECT_EQ(AsString(s->data["b"]), "it's");
  EXPECT_EQ(AsString(s->data["c"]), "multi line");
}

TEST(ParseSecret, JsonInput) {
  auto s = ParseSecret(R"({"apiVersion":"v1","kind":"Secret",
    "metadata":{"name":"x"},"stringData":{"k":"v"}})");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(AsString(s->data["k"]), "v");
}

TEST(ParseSecret, ErrorsNameTheFieldNotTheValue) {
  struct Case {
    std::string text;
    std::string want;
  };
  const std::string head =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n";
  const std::vector<Case> cases = {
      {head + "data: {pw: \"" + std::string(kCanary) + "!\"}\n",
       "data.pw: not valid base64"},
      {head + "stringData: {pw: [\"" + std::string(kCanary) + "\"]}\n",
       "stringData.pw: must be a string"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
       "kind: want Secret"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {}\n",
       "metadata.name: missing"},
      {"apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n  bad: [" +
           std::string(kCanary),
       "malformed manifest: YAML error at line"},
      {"{\"kind\": \"" + std::string(kCanary),
       "malformed manifest: JSON error"},
      {"---\na: 1\n---\nb: 2\n",
       "malformed manifest: expected exactly one document"},
      {"just a string " + std::string(kCanary),
       "malformed manifest: the document is not a mapping"},
      // yaml-cpp alone would swallow the next line into the password.
      {head + "stringData:\n  password: \"" + std::string(kCanary) +
           "\n  user: admin\n",
       "malformed manifest: unterminated quoted string at line 5"},
      {head + "stringData:\n  password: '" + std::string(kCanary) + "''x\n",
       "malformed manifest: unterminated quoted string at line 5"},
      {head + "stringData:\n  pw: a\n  pw: b\n",
       "malformed manifest: duplicate key \"pw\" at line 6"},
      // JSON keeps the last of two keys silently; a manifest must not.
      {R"({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"},
           "stringData": {"pw": "a", "pw": ")" +
           std::string(kCanary) + "\"}}",
       "malformed manifest: duplicate key \"pw\""},
      {head + "stringData: {pw: \"\xff" + std::string(kCanary) + "\"}\n",
       "malformed manifest: not UTF-8 (byte 67)"},
      {head + "stringData: {pw: \"\xed\xa0\x80\"}\n",  // a UTF-16 surrogate
       "malformed manifest: not UTF-8 (byte 67)"},
      {std::string(300, '[') + std::string(300, ']'),
       "malformed manifest: nested deeper than 256 levels"},
      {"{\"a\": " + Nested(300) + "}", "malformed manifest: nested deeper"},
      {AliasBomb(12), "malformed manifest: aliases expand to more than"},
  };
  for (const Case& c : cases) {
    auto s = ParseSecret(c.text);
    ASSERT_FALSE(s.has_value()) << c.want;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(s.error().message().starts_with(c.want)) << s.error().message();
    EXPECT_EQ(s.error().message().find(kCanary), std::string::npos)
        << s.error().message();
  }
}

TEST(ParseManifest, ModestAliasesStillParse) {
  // Anchors are legal YAML and used in real manifests (shared labels).
  auto doc = ParseManifest(
      "metadata: {labels: &l {app: web, tier: db}}\nspec: {selector: *l}\n");
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  EXPECT_EQ((*doc)["spec"]["selector"]["tier"], "db");
  // Three levels of the bomb (729 strings) are within the budget.
  auto small = ParseManifest(AliasBomb(3));
  ASSERT_TRUE(small.has_value()) << small.error().message();
  EXPECT_EQ((*small)["l3"].size(), 9u);
  EXPECT_EQ((*small)["l3"][8][8][8][0], "lol");
}

// kubeseal's own apiVersion reads too (sealctl unseal --bitnami-key, verify),
// with its scope annotations deciding the scope.
TEST(SealedSecret, ReadsBitnamisApiVersionAndScopeAnnotations) {
  auto s = ParseSealedSecret(
      "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
      "  name: a\n  namespace: n\n  annotations:\n"
      "    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n"
      "spec:\n  encryptedData: {k: AAAA}\n"
      "  template: {metadata: {name: a, namespace: n, creationTimestamp: "
      "null}}\n");
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->scope, "Namespace");
  auto templated = ParseSealedSecret(
      "apiVersion: sealsync.dev/v1alpha1\nkind: SealedSecret\nmetadata: "
      "{name: a}\nspec:\n  encryptedData: {k: AAAA}\n"
      "  template: {data: {k: '{{ index . \"k\" }}'}}\n");
  ASSERT_FALSE(templated.has_value());
  EXPECT_TRUE(templated.error().message().starts_with("spec.template.data"))
      << templated.error().message();
}

TEST(SealedSecret, YamlRoundTripKeepsAmbiguousStrings) {
  SealedSecret in;
  in.metadata = {"db", "team-a", {{"n", "123"}, {"b", "true"}}, {{"e", ""}}};
  in.scope = "Namespace";
  in.encrypted_data = {{"k", "YWdl"}, {"sodium", "sodium:00:AA=="}};
  in.template_.type = "Opaque";
  in.template_.labels = {{"version", "1.0"}, {"off", "off"}};
  in.template_.immutable = false;
  for (OutputFormat f : {OutputFormat::kYaml, OutputFormat::kJson}) {
    auto out = ParseSealedSecret(FormatSealedSecret(in, f));
    ASSERT_TRUE(out.has_value()) << out.error().message();
    EXPECT_EQ(out->metadata.name, "db");
    EXPECT_EQ(out->scope, "Namespace");
    EXPECT_EQ(out->encrypted_data, in.encrypted_data);
    EXPECT_EQ(out->template_.labels, in.template_.labels);
    EXPECT_EQ(out->template_.immutable, false);
  }
}

TEST(SealedSecret, RejectsWrongApiVersion) {
  auto s = ParseSealedSecret(
      "apiVersion: example.com/v1\nkind: SealedSecret\nmetadata: {name: "
      "a}\nspec: {}\n");
  ASSERT_FALSE(s.has_value());
  EXPECT_TRUE(s.error().message().starts_with(
      "apiVersion: want sealsync.dev/v1alpha1"));
}

// The operator reads SealedSecrets from its cache as decoded JSON: the same
// fields and the same errors as from text.
TEST(SealedSecret, FromObjectMatchesFromText) {
  const std::string text = R"({"apiVersion": "sealsync.dev/v1alpha1",
    "kind": "SealedSecret",
    "metadata": {"name": "db", "namespace": "team-a", "labels": {"a": "1"},
                 "managedFields": [{"manager": "kubectl"}]},
    "spec": {"scope": "Namespace", "encryptedData": {"password": "YWdl"},
             "template": {"type": "kubernetes.io/basic-auth",
                          "immutable": true,
                          "metadata": {"annotations": {"x": "y"}}}}})";
  auto from_text = ParseSealedSecret(text);
  auto from_object = SealedSecretFromObject(nlohmann::json::parse(text));
  ASSERT_TRUE(from_text.has_value()) << from_text.error().message();
  ASSERT_TRUE(from_object.has_value()) << from_object.error().message();
  EXPECT_EQ(from_object->metadata.ns, "team-a");
  EXPECT_EQ(from_object->metadata.labels, from_text->metadata.labels);
  EXPECT_EQ(from_object->scope, "Namespace");
  EXPECT_EQ(from_object->encrypted_data, from_text->encrypted_data);
  EXPECT_EQ(from_object->template_.type, "kubernetes.io/basic-auth");
  EXPECT_EQ(from_object->template_.immutable, true);
  EXPECT_EQ(from_object->template_.annotations,
            from_text->template_.annotations);

  struct Case {
    const char* json;
    const char* want;
  };
  const Case cases[] = {
      {R"({"apiVersion": "sealsync.dev/v1alpha1", "kind": "SealedSecret",
           "metadata": {"name": "a"}})",
       "spec: missing"},
      {R"({"apiVersion": "sealsync.dev/v1alpha1", "kind": "SealedSecret",
           "metadata": {"name": "a"},
           "spec": {"encryptedData": {"k": 5}}})",
       "spec.encryptedData.k: must be a string"},
      {R"({"apiVersion": "sealsync.dev/v1alpha1", "kind": "SealedSecret",
           "metadata": {"name": "a"}, "spec": {"scope": 1}})",
       "spec.scope: must be a string"},
      {R"({"apiVersion": "v1", "kind": "SealedSecret",
           "metadata": {"name": "a"}, "spec": {}})",
       "apiVersion: want sealsync.dev/v1alpha1"},
      {R"([1, 2])", "kind: want SealedSecret"},
  };
  for (const Case& c : cases) {
    auto s = SealedSecretFromObject(nlohmann::json::parse(c.json));
    ASSERT_FALSE(s.has_value()) << c.want;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(s.error().message().starts_with(c.want)) << s.error().message();
  }
}

}  // namespace
}  // namespace sealsync::api
