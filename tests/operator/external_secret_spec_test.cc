// ExternalSecret spec parsing and template rendering against hostile input:
// patterns and templates come from tenants, keys and values from a vault the
// tenant may run. Nothing here may crash, recurse without bound or quote a
// value.
#include "operator/external_secret_spec.h"

#include <gtest/gtest.h>

namespace sealsync::op {
namespace {

using kube::Json;

Json WithFind(const std::string& regexp) {
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", "ExternalSecret"},
          {"metadata", {{"name", "es"}, {"namespace", "team"}}},
          {"spec",
           {{"secretStoreRef", {{"name", "vault"}}},
            {"target", {{"name", "out"}}},
            {"dataFrom",
             {{{"find", {{"path", "/"}, {"name", {{"regexp", regexp}}}}}}}}}}};
}

TEST(ExternalSecretSpec, FindPatternIsCompiledOnceWithRe2) {
  auto es = ParseExternalSecret(WithFind("(A|B)*C"));
  ASSERT_TRUE(es.has_value()) << es.error().message();
  ASSERT_EQ(es->data_from.size(), 1u);
  ASSERT_NE(es->data_from[0].name_re, nullptr);
  const RE2& re = *es->data_from[0].name_re;
  // The key that made std::regex recurse until the stack ran out.
  std::string hostile(200000, 'A');
  EXPECT_FALSE(RE2::PartialMatch(hostile, re));
  hostile.back() = 'C';
  EXPECT_TRUE(RE2::PartialMatch(hostile, re));
  EXPECT_TRUE(RE2::PartialMatch("DB_URL_C", re));
}

TEST(ExternalSecretSpec, BadFindPatternsNameTheField) {
  for (const std::string& bad :
       {std::string("(unclosed"), std::string("a{2,1}"),
        std::string(kMaxNameRegexpLength + 1, 'a')}) {
    auto es = ParseExternalSecret(WithFind(bad));
    ASSERT_FALSE(es.has_value()) << bad.substr(0, 20);
    EXPECT_EQ(es.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(es.error().message().find("spec.dataFrom[0].find.name.regexp"),
              std::string::npos)
        << es.error().message();
  }
}

TEST(ExternalSecretSpec, TemplateReferencesAreReplacedInOnePass) {
  std::map<std::string, std::string> values = {{"user", "admin"},
                                               {"pw", "canary-5e1f"}};
  auto out =
      RenderTemplate("f", "{{ .user }}:{{.pw}} {{{ .user }}} {{ x }}", values);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(*out, "admin:canary-5e1f {admin} {{ x }}");
  // A reference to a key not fetched names the key, never a value.
  auto missing = RenderTemplate("spec.target.template.data.x",
                                "{{ .nope }}{{ .pw }}", values);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("\"nope\""), std::string::npos);
  EXPECT_EQ(missing.error().message().find("canary-5e1f"), std::string::npos);
}

TEST(ExternalSecretSpec, HugeTemplatesDoNotRecurse) {
  // 200,000 name characters with no closing braces, then many openings:
  // std::regex recursed per character here.
  std::string tmpl = "{{ ." + std::string(200000, 'a');
  for (int i = 0; i < 20000; ++i) tmpl += "{{ .";
  auto out = RenderTemplate("f", tmpl, {});
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, tmpl);  // nothing was a reference: copied as it is
}

}  // namespace
}  // namespace sealsync::op
