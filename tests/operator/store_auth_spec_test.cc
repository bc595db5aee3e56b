// The `auth` block of SecretStores: one method, refs only into the store's
// own namespace for a SecretStore, unsupported methods named.
#include "operator/store_auth_spec.h"

#include <gtest/gtest.h>

namespace sealsync::op {
namespace {

using kube::Json;

Json StoreWith(const std::string& kind, Json auth) {
  Json meta = {{"name", "vault"}};
  if (kind == "SecretStore") meta["namespace"] = "team-a";
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", kind},
          {"metadata", meta},
          {"spec",
           {{"provider",
             {{"infisical",
               {{"auth", std::move(auth)},
                {"secretsScope",
                 {{"projectSlug", "p"}, {"environmentSlug", "dev"}}}}}}}}}};
}

Json Kubernetes(Json sa) {
  return {{"kubernetesAuth",
           {{"identityId", "id-1"}, {"serviceAccountRef", std::move(sa)}}}};
}

TEST(StoreAuthSpec, KubernetesAuthUsesTheStoresOwnNamespace) {
  auto s = ParseStore(StoreWith(
      "SecretStore",
      Kubernetes({{"name", "reader"}, {"audiences", {"infisical"}}})));
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->auth_method, vault::AuthMethod::kKubernetes);
  EXPECT_EQ(s->identity_id, "id-1");
  EXPECT_EQ(s->service_account.ns, "team-a");
  EXPECT_EQ(s->service_account.name, "reader");
  EXPECT_EQ(s->service_account.audiences,
            std::vector<std::string>{"infisical"});
}

TEST(StoreAuthSpec, ANamespacedStoreMayNotNameAnotherNamespace) {
  auto s = ParseStore(StoreWith(
      "SecretStore",
      Kubernetes({{"name", "operator"}, {"namespace", "sealsync-system"}})));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(
      s.error().message().find("kubernetesAuth.serviceAccountRef.namespace"),
      std::string::npos)
      << s.error().message();
  // Its own namespace, named, is fine.
  EXPECT_TRUE(ParseStore(StoreWith("SecretStore",
                                   Kubernetes({{"name", "reader"},
                                               {"namespace", "team-a"}})))
                  .has_value());
}

TEST(StoreAuthSpec, AClusterStoreMustNameTheNamespace) {
  auto none =
      ParseStore(StoreWith("ClusterSecretStore", Kubernetes({{"name", "r"}})));
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message().find("serviceAccountRef.namespace"),
            std::string::npos);
  auto named = ParseStore(StoreWith(
      "ClusterSecretStore", Kubernetes({{"name", "r"}, {"namespace", "ci"}})));
  ASSERT_TRUE(named.has_value()) << named.error().message();
  EXPECT_EQ(named->service_account.ns, "ci");
}

TEST(StoreAuthSpec, NamesThatCouldEscapeTheRequestPathAreRefused) {
  for (const char* bad : {"../secrets", "a/b", "Upper", "", "-a", "a?x=1"}) {
    auto s = ParseStore(StoreWith("SecretStore", Kubernetes({{"name", bad}})));
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_NE(s.error().message().find("serviceAccountRef.name"),
              std::string::npos)
        << s.error().message();
  }
  EXPECT_TRUE(IsDnsSubdomain("vault-reader.v1"));
  EXPECT_FALSE(IsDnsSubdomain(std::string(254, 'a')));
}

TEST(StoreAuthSpec, UnsupportedMethodsAreNamed) {
  for (const char* m : {"awsAuthCredentials", "azureAuthCredentials",
                        "gcpIdTokenAuthCredentials", "gcpIamAuthCredentials",
                        "jwtAuthCredentials", "ldapAuthCredentials",
                        "ociAuthCredentials", "kubernetesAuthCredentials"}) {
    auto s = ParseStore(
        StoreWith("SecretStore", {{m, {{"identityId", {{"name", "x"}}}}}}));
    ASSERT_FALSE(s.has_value()) << m;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message().find(std::string("auth.") + m),
              std::string::npos)
        << s.error().message();
  }
}

TEST(StoreAuthSpec, ExactlyOneMethod) {
  Json ref = {{"name", "creds"}, {"key", "k"}};
  auto two = ParseStore(StoreWith(
      "SecretStore",
      {{"universalAuthCredentials", {{"clientId", ref}, {"clientSecret", ref}}},
       {"tokenAuthCredentials", {{"accessToken", ref}}}}));
  ASSERT_FALSE(two.has_value());
  EXPECT_NE(two.error().message().find("more than one"), std::string::npos);
  auto none = ParseStore(StoreWith("SecretStore", Json::object()));
  ASSERT_FALSE(none.has_value());
  auto token = ParseStore(StoreWith(
      "SecretStore", {{"tokenAuthCredentials", {{"accessToken", ref}}}}));
  ASSERT_TRUE(token.has_value()) << token.error().message();
  EXPECT_EQ(token->auth_method, vault::AuthMethod::kToken);
  EXPECT_EQ(token->client_secret.ns, "team-a");
  // A token in another namespace's Secret: refused.
  Json other = {{"name", "creds"}, {"key", "k"}, {"namespace", "team-b"}};
  auto cross = ParseStore(StoreWith(
      "SecretStore", {{"tokenAuthCredentials", {{"accessToken", other}}}}));
  ASSERT_FALSE(cross.has_value());
  EXPECT_EQ(cross.error().code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace sealsync::op
