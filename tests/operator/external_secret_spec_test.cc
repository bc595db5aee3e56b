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

TEST(ExternalSecretSpec, TemplateReferencesAreReplaced) {
  std::map<std::string, std::string> values = {{"user", "admin"},
                                               {"pw", "canary-5e1f"}};
  auto out = RenderTemplate("f", "{{ .user }}:{{.pw}} {x}", values);
  ASSERT_TRUE(out.has_value()) << out.error().message();
  EXPECT_EQ(*out, "admin:canary-5e1f {x}");
  // As Go's text/template: an unknown function or a stray brace is an error.
  EXPECT_FALSE(RenderTemplate("f", "{{ x }}", values).has_value());
  EXPECT_FALSE(RenderTemplate("f", "{{{ .user }}}", values).has_value());
  // A reference to a key not fetched names the key, never a value.
  auto missing = RenderTemplate("spec.target.template.data.x",
                                "{{ .nope }}{{ .pw }}", values);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("\"nope\""), std::string::npos);
  EXPECT_EQ(missing.error().message().find("canary-5e1f"), std::string::npos);
}

TEST(ExternalSecretSpec, HugeTemplatesAreRefusedNotWalked) {
  // 200,000 name characters with no closing braces, then many openings:
  // std::regex recursed per character here.
  std::string tmpl = "{{ ." + std::string(200000, 'a');
  for (int i = 0; i < 20000; ++i) tmpl += "{{ .";
  auto out = RenderTemplate("f", tmpl, {});
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code(), ErrorCode::kResourceExhausted);
}

TEST(ExternalSecretSpec, RefreshPolicies) {
  Json obj = WithFind(".*");
  obj["spec"]["refreshPolicy"] = "OnChange";
  auto on_change = ParseExternalSecret(obj);
  ASSERT_TRUE(on_change.has_value()) << on_change.error().message();
  EXPECT_EQ(on_change->refresh.count(), 0) << "no timed refresh";
  const std::string v = on_change->sync_version;
  EXPECT_TRUE(RefreshPolicySkips(*on_change, v, true, true));
  EXPECT_FALSE(RefreshPolicySkips(*on_change, "other", true, true));
  EXPECT_FALSE(RefreshPolicySkips(*on_change, v, false, true));
  EXPECT_FALSE(RefreshPolicySkips(*on_change, v, true, false))
      << "a deleted Secret is written again";
  obj["spec"]["refreshPolicy"] = "CreatedOnce";
  auto once = ParseExternalSecret(obj);
  ASSERT_TRUE(once.has_value());
  EXPECT_TRUE(RefreshPolicySkips(*once, "other", false, true));
  EXPECT_FALSE(RefreshPolicySkips(*once, "", false, true)) << "never synced";
  EXPECT_FALSE(RefreshPolicySkips(*once, v, true, false));
  obj["spec"]["refreshPolicy"] = "Periodic";
  auto periodic = ParseExternalSecret(obj);
  ASSERT_TRUE(periodic.has_value());
  EXPECT_FALSE(
      RefreshPolicySkips(*periodic, periodic->sync_version, true, true));
  obj["spec"]["refreshPolicy"] = "Sometimes";
  auto bad = ParseExternalSecret(obj);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message().find("spec.refreshPolicy"),
            std::string::npos);
}

}  // namespace
}  // namespace sealsync::op
