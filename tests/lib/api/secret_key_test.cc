#include <gtest/gtest.h>

#include "sealsync/api.h"

namespace sealsync::api {
namespace {

TEST(SecretKeyTest, AcceptsWhatTheApiServerAccepts) {
  for (std::string_view k :
       {"a", "password", "tls.crt", ".dockerconfigjson", "A-b_c.9", "x..y"}) {
    EXPECT_TRUE(IsValidSecretKey(k)) << k;
    EXPECT_TRUE(ValidateSecretKey(k, "data").has_value()) << k;
  }
  EXPECT_TRUE(IsValidSecretKey(std::string(253, 'k')));
}

TEST(SecretKeyTest, RefusesWhatTheApiServerRefuses) {
  struct Case {
    std::string key;
    std::string message;
  };
  const Case cases[] = {
      {"", "data: empty key"},
      {".", "data: key \".\" is not a valid Secret key"},
      {"..", "data: key \"..\" is not a valid Secret key"},
      {"../x", "data: key \"../x\" is not a valid Secret key"},
      {"a b", "data: key \"a b\" is not a valid Secret key"},
      {"a\nb", "data: key \"a\\x0ab\" is not a valid Secret key"},
      {"\xff\xfe", "data: key \"\\xff\\xfe\" is not a valid Secret key"},
      {std::string(254, 'k'), "data: key longer than 253 characters"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidSecretKey(c.key));
    auto r = ValidateSecretKey(c.key, "data");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(r.error().message().starts_with(c.message))
        << r.error().message();
  }
}

TEST(SecretKeyTest, PrintableKeyIsCutAndEscaped) {
  EXPECT_EQ(PrintableKey("ok"), "ok");
  EXPECT_EQ(PrintableKey("q\"\\"), "q\\x22\\x5c");
  EXPECT_EQ(PrintableKey(std::string(70, 'a')), std::string(64, 'a') + "...");
}

TEST(SecretTypeTest, AllowList) {
  for (std::string_view t :
       {"", "Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson",
        "kubernetes.io/dockercfg", "kubernetes.io/basic-auth",
        "kubernetes.io/ssh-auth", "example.com/custom", "custom", "helm.sh/x",
        "notkubernetes.io/x"}) {
    EXPECT_TRUE(IsAllowedSecretType(t)) << t;
  }
  for (std::string_view t :
       {"kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token",
        "kubernetes.io/anything-new", "k8s.io/x", "a.k8s.io/y", "with space",
        "nl\n"}) {
    EXPECT_FALSE(IsAllowedSecretType(t)) << t;
    auto r = ValidateSecretType(t, "spec.template.type");
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(
        r.error().message().starts_with("spec.template.type: Secret type"))
        << r.error().message();
  }
}

}  // namespace
}  // namespace sealsync::api
