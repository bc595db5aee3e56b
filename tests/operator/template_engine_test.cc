// The template engine (ESO's target.template v2 subset): each supported
// function, the unsupported ones named, and hostile templates bounded.
#include "operator/template_engine.h"

#include <gtest/gtest.h>

namespace sealsync::op {
namespace {

const std::map<std::string, std::string> kValues = {
    {"user", "Admin"},
    {"pw", "canary-77f1"},
    {"b64", "aGVsbG8="},
    {"json", R"({"host":"db","port":5432,"tags":["a","b"]})"},
    {"padded", "  x  "},
    {"multi", "line1\nline2"},
    {"empty", ""},
    {"dash-key", "dashed"},
};

std::string Render(const std::string& t) {
  auto r = RenderGoTemplate("f", t, kValues);
  EXPECT_TRUE(r.has_value()) << t << ": " << r.error().message();
  return r.value_or("<error>");
}

TEST(TemplateEngine, EachFunction) {
  EXPECT_EQ(Render("{{ .b64 | b64dec }}"), "hello");
  EXPECT_EQ(Render("{{ .user | b64enc }}"), "QWRtaW4=");
  EXPECT_EQ(Render("{{ .user | lower }}-{{ upper .user }}"), "admin-ADMIN");
  EXPECT_EQ(Render("[{{ .padded | trim }}]"), "[x]");
  EXPECT_EQ(Render("{{ .user | quote }} {{ squote .user }}"),
            "\"Admin\" 'Admin'");
  EXPECT_EQ(Render("{{ .multi | quote }}"), "\"line1\\nline2\"");
  EXPECT_EQ(Render("{{ .user | replace \"A\" \"a\" }}"), "admin");
  EXPECT_EQ(Render("{{ .empty | default \"fallback\" }}"), "fallback");
  EXPECT_EQ(Render("{{ .user | default \"fallback\" }}"), "Admin");
  EXPECT_EQ(Render("{{ .multi | indent 2 }}"), "  line1\n  line2");
  EXPECT_EQ(Render("k:{{ .multi | nindent 2 }}"), "k:\n  line1\n  line2");
  // Field access on a computed value is not supported; index is.
  EXPECT_FALSE(RenderGoTemplate("f", "{{ (.json | fromJson).host }}", kValues));
  EXPECT_EQ(Render("{{ index (.json | fromJson) \"host\" }}"), "db");
  EXPECT_EQ(Render("{{ index (fromJson .json) \"port\" }}"), "5432");
  EXPECT_EQ(Render("{{ index (fromJson .json) \"tags\" 1 }}"), "b");
  EXPECT_EQ(Render("{{ .json | fromJson | toJson }}"),
            R"({"host":"db","port":5432,"tags":["a","b"]})");
  EXPECT_EQ(Render("{{ index . \"dash-key\" }}"), "dashed");
  EXPECT_EQ(Render("{{ .dash-key }}"), "dashed");
  EXPECT_EQ(Render("{{ trimPrefix \"ca\" .pw | trimSuffix \"f1\" }}"),
            "nary-77");
  EXPECT_EQ(Render("{{ `raw {{` }}"), "raw {{");
  EXPECT_EQ(Render("a  {{- .user -}}  b"), "aAdminb");
  EXPECT_EQ(Render("{{ toString 42 }}"), "42");
}

TEST(TemplateEngine, FilterPemTakesTheTypeThenTheBundle) {
  const std::string cert =
      "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
  const std::string key =
      "-----BEGIN PRIVATE KEY-----\nAwQF\n-----END PRIVATE KEY-----\n";
  auto r = RenderGoTemplate("f", R"({{ .bundle | filterPEM "CERTIFICATE" }})",
                            {{"bundle", key + cert}});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, cert);
  auto junk =
      RenderGoTemplate("spec.target.template.data.tls.crt",
                       R"({{ .pw | filterPEM "CERTIFICATE" }})", kValues);
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().message().find("canary-77f1"), std::string::npos);
  EXPECT_NE(junk.error().message().find("filterPEM"), std::string::npos);
}

TEST(TemplateEngine, UnsupportedFunctionsAreNamedWithoutValues) {
  for (const char* f :
       {"pkcs12key", "jwkPublicKeyPem", "toYaml", "env", "exec"}) {
    auto r = RenderGoTemplate("spec.target.template.data.k",
                              std::string("{{ .pw | ") + f + " }}", kValues);
    ASSERT_FALSE(r.has_value()) << f;
    EXPECT_NE(r.error().message().find(f), std::string::npos)
        << r.error().message();
    EXPECT_EQ(r.error().message().find("canary-77f1"), std::string::npos);
  }
  auto bad = RenderGoTemplate("f", "{{ .pw | b64dec }}", kValues);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message().find("canary-77f1"), std::string::npos);
}

TEST(TemplateEngine, HostileTemplatesAreBounded) {
  // Deep parentheses: refused at the depth bound, not a stack overflow.
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "(";
  auto d = RenderGoTemplate("f", "{{ " + deep + " }}", kValues);
  ASSERT_FALSE(d.has_value());
  // Output growth: indent and replace past 1 MiB are refused.
  std::string grow = "{{ .pw";
  for (int i = 0; i < 20; ++i) grow += " | replace \"a\" \"aaaaaaaaaa\"";
  grow += " }}";
  auto g = RenderGoTemplate("f", grow, kValues);
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().code(), ErrorCode::kResourceExhausted);
  auto wide = RenderGoTemplate("f", "{{ .pw | indent 100000 }}", kValues);
  ASSERT_FALSE(wide.has_value());
  // Many actions each within bounds, together past the output bound.
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "{{ .multi | indent 256 }}";
  auto m = RenderGoTemplate("f", many, kValues);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), ErrorCode::kResourceExhausted);
  // Unterminated pieces: errors, not hangs.
  for (const char* t :
       {"{{", "{{ \"abc", "{{ .pw | ", "{{ ( .pw }}", "{{ 1 2 }}"})
    EXPECT_FALSE(RenderGoTemplate("f", t, kValues).has_value()) << t;
}

}  // namespace
}  // namespace sealsync::op
