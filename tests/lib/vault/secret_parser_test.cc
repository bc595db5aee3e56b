// Table tests of the pure parts of lib/vault: JSON answers, paths,
// Retry-After, SecretList::Find.
#include "lib/vault/secret_parser.h"

#include <gtest/gtest.h>

#include "lib/vault/host_gate.h"
#include "lib/vault/paths.h"

namespace sealsync::vault {
namespace {

SecureBytes Body(std::string_view s) { return SecureBytes(s.begin(), s.end()); }

SecretScope Scope(std::string path = "/") {
  SecretScope s;
  s.project_slug = "p";
  s.environment = "dev";
  s.path = std::move(path);
  return s;
}

std::string Val(const SecretList& l, std::string_view key) {
  const VaultSecret* s = l.Find(key);
  return s ? std::string(AsString(s->value)) : "<missing>";
}

TEST(PathsTest, Normalize) {
  struct Case {
    std::string in, want;
  } cases[] = {{"", "/"},     {"/", "/"},        {"//", "/"},     {"a", "/a"},
               {"/a/", "/a"}, {"a//b/", "/a/b"}, {"/a/b", "/a/b"}};
  for (const auto& c : cases) EXPECT_EQ(NormalizePath(c.in), c.want) << c.in;
  EXPECT_EQ(JoinPath("/a", "/b/"), "/a/b");
  EXPECT_EQ(JoinPath("/", ""), "/");
  EXPECT_EQ(HostOf("https://App.Infisical.com/api"),
            "https://app.infisical.com");
  EXPECT_EQ(HostOf("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  EXPECT_EQ(NormalizeApiBase("http://h/api//"), "http://h/api");
}

TEST(RetryAfterTest, Parse) {
  EXPECT_EQ(ParseRetryAfter("20"), std::chrono::seconds(20));
  EXPECT_EQ(ParseRetryAfter(" 7 "), std::chrono::seconds(7));
  EXPECT_EQ(ParseRetryAfter("999999"), std::chrono::seconds(3600));
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

TEST(SecretParserTest, TokenGrant) {
  auto g = ParseTokenGrant(Body(
      R"({"accessToken":"tok","expiresIn":7200,"accessTokenMaxTTL":0,"tokenType":"Bearer"})"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->access_token, "tok");
  EXPECT_EQ(g->expires_in, std::chrono::seconds(7200));
  EXPECT_EQ(g->max_ttl, std::chrono::seconds(0));
  auto bad = ParseTokenGrant(Body(R"({"token":"eyJ-not-to-be-quoted"})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().find("eyJ"), std::string::npos);
}

TEST(SecretParserTest, ImportsOwnWinsLaterImportWinsNestedBelowParent) {
  auto l = ParseSecretList(Body(R"({
    "secrets": [
      {"secretKey":"A","secretValue":"own-a","version":2,"type":"shared","secretPath":"/"},
      {"secretKey":"P","secretValue":"personal","type":"personal","secretPath":"/"}
    ],
    "imports": [
      {"secretPath":"/one","environment":"prod","secrets":[
        {"secretKey":"A","secretValue":"imp-a"},
        {"secretKey":"B","secretValue":"one-b"},
        {"secretKey":"C","secretValue":"one-c"}]},
      {"secretPath":"/two","environment":"prod",
       "imports":[{"secretPath":"/deep","environment":"prod","secrets":[
          {"secretKey":"C","secretValue":"deep-c"},
          {"secretKey":"D","secretValue":"deep-d"}]}],
       "secrets":[{"secretKey":"B","secretValue":"two-b"}]}
    ]})"),
                           Scope());
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(Val(*l, "A"), "own-a");
  EXPECT_EQ(l->Find("A")->version, 2);
  EXPECT_EQ(Val(*l, "B"), "two-b");   // the later import
  EXPECT_EQ(Val(*l, "C"), "deep-c");  // nested under the later import
  EXPECT_EQ(Val(*l, "D"), "deep-d");
  EXPECT_EQ(l->Find("B")->path, "/two");
  EXPECT_EQ(Val(*l, "P"), "<missing>");
  EXPECT_EQ(l->secrets.size(), 4u);

  SecretScope no_imports = Scope();
  no_imports.include_imports = false;
  auto bare = ParseSecretList(Body(R"({"secrets":[],"imports":[
      {"secretPath":"/one","environment":"prod","secrets":[{"secretKey":"B","secretValue":"x"}]}]})"),
                              no_imports);
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->secrets.empty());
}

TEST(SecretParserTest, FailuresNeverQuoteTheBody) {
  struct Case {
    std::string body;
    ErrorCode code;
  } cases[] = {
      {"not json canary-123", ErrorCode::kInternal},
      {R"({"secrets":"canary-123"})", ErrorCode::kInternal},
      {R"({"secrets":[{"secretKey":"K","secretValue":7}], "x":"canary-123"})",
       ErrorCode::kInternal},
      {R"({"secrets":[{"secretKey":"K","secretValue":"canary-123","secretValueHidden":true}]})",
       ErrorCode::kPermissionDenied},
  };
  for (const auto& c : cases) {
    auto l = ParseSecretList(Body(c.body), Scope());
    ASSERT_FALSE(l) << c.body;
    EXPECT_EQ(l.error().code(), c.code) << c.body;
    EXPECT_EQ(l.error().message().find("canary-123"), std::string::npos)
        << l.error().message();
  }
  auto g = ParseSecret(Body(R"({"secret":{"secretKey":"K"},"v":"canary-123"})"),
                       "/", "p/dev:/");
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().message().find("canary-123"), std::string::npos);
}

TEST(SecretParserTest, ErrorBody) {
  auto e = ParseErrorBody(Body(
      R"({"reqId":"req-1","statusCode":404,"message":"Secret with name 'X' not found","error":"NotFound"})"));
  EXPECT_EQ(e.error, "NotFound");
  EXPECT_EQ(e.message, "Secret with name 'X' not found");
  auto proxy = ParseErrorBody(Body("Bad Gateway"));
  EXPECT_TRUE(proxy.error.empty());
  EXPECT_TRUE(proxy.message.empty());
}

TEST(SecretListTest, FindByKeyAndRelativeOrAbsolutePath) {
  SecretList l;
  l.path = "/app";
  auto add = [&](std::string key, std::string path, std::string v) {
    VaultSecret s;
    s.key = std::move(key);
    s.path = std::move(path);
    s.value.assign(v.begin(), v.end());
    l.secrets.push_back(std::move(s));
  };
  add("K", "/app", "top");
  add("K", "/app/db", "db");
  add("X", "/other", "x");
  EXPECT_EQ(Val(l, "K"), "top");
  EXPECT_EQ(Val(l, "/db/K"), "db");
  EXPECT_EQ(Val(l, "db/K"), "db");
  EXPECT_EQ(Val(l, "/app/db/K"), "db");
  EXPECT_EQ(Val(l, "/K"), "top");
  EXPECT_EQ(Val(l, "/other/X"), "x");
  EXPECT_EQ(Val(l, "/nope/K"), "<missing>");
  EXPECT_EQ(Val(l, "Y"), "<missing>");
}

TEST(SecretScopeTest, ToStringAndOrder) {
  SecretScope a = Scope("/x");
  EXPECT_EQ(a.ToString(), "p/dev:/x");
  SecretScope b = a;
  b.recursive = true;
  EXPECT_EQ(b.ToString(), "p/dev:/x recursive");
  EXPECT_TRUE(a < b || b < a);
  SecretScope c = a;
  c.expand_references = false;
  EXPECT_TRUE(a < c || c < a);
  EXPECT_FALSE(a < a);
}

}  // namespace
}  // namespace sealsync::vault
