// Kubernetes auth consent (login_consent.h): a store logs in as a
// ServiceAccount only if the ServiceAccount's sealsync.dev/vault-login
// annotation names it; otherwise the store's credentials are refused with
// the field and the ServiceAccount named, and no TokenRequest is made.
#include "operator/login_consent.h"

#include <gtest/gtest.h>

#include "operator/external_values.h"
#include "operator/reasons.h"
#include "sealsync/names.h"
#include "tests/lib/kube/fake_client.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;

Json Sa(const std::string& name, std::optional<std::string> consent) {
  Json o = {{"apiVersion", "v1"},
            {"kind", "ServiceAccount"},
            {"metadata", {{"name", name}, {"namespace", "team-a"}}}};
  if (consent)
    o["metadata"]["annotations"] = {
        {std::string(names::kVaultLoginAnnotation), *consent}};
  return o;
}

TEST(LoginConsent, OnlyTheStoresTheAnnotationNames) {
  struct Row {
    std::optional<std::string> annotation;
    std::string kind, name;
    bool allowed;
  } rows[] = {
      {std::nullopt, "SecretStore", "vault", false},
      {"", "SecretStore", "vault", false},
      {"SecretStore/vault", "SecretStore", "vault", true},
      {"SecretStore/other, SecretStore/vault", "SecretStore", "vault", true},
      {" SecretStore/vault ,", "SecretStore", "vault", true},
      {"SecretStore/vault", "SecretStore", "vault2", false},
      {"SecretStore/vault2", "SecretStore", "vault", false},
      {"SecretStore/vault", "ClusterSecretStore", "vault", false},
      {"ClusterSecretStore/shared", "ClusterSecretStore", "shared", true},
      {"*", "SecretStore", "anything", true},
      {"*", "ClusterSecretStore", "anything", true},
      {"vault", "SecretStore", "vault", false},
      {"SecretStore/*", "SecretStore", "vault", false},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(LoginConsented(Sa("reader", r.annotation), r.kind, r.name),
              r.allowed)
        << r.annotation.value_or("(none)") << " for " << r.kind << "/"
        << r.name;
  }
  // Consent lives in annotations only: a label saying the same is ignored.
  Json labelled = Sa("reader", std::nullopt);
  labelled["metadata"]["labels"] = {
      {std::string(names::kVaultLoginAnnotation), "*"}};
  EXPECT_FALSE(LoginConsented(labelled, "SecretStore", "vault"));
}

StoreSpec KubeStore(const std::string& name, const std::string& sa) {
  StoreSpec s;
  s.kind = "SecretStore";
  s.ns = "team-a";
  s.name = name;
  s.host_api = "https://vault.example/api";
  s.auth_method = vault::AuthMethod::kKubernetes;
  s.identity_id = "identity-1";
  s.service_account = {"team-a", sa, {"infisical"}};
  return s;
}

int TokenRequests(const FakeClient& c) {
  int n = 0;
  for (const auto& call : c.Calls())
    if (call.verb == "create" &&
        call.resource.find("token") != std::string::npos)
      ++n;
  return n;
}

// A hostile tenant's store naming a ServiceAccount of its namespace that
// consented to another store (or to none): refused, nothing minted.
TEST(LoginConsent, AStoreTheServiceAccountDoesNotNameGetsNoToken) {
  FakeClient client;
  client.Seed(kServiceAccounts, Sa("reader", "SecretStore/vault"));
  client.Seed(kServiceAccounts, Sa("builder", std::nullopt));
  for (const auto& [store, sa] :
       {std::pair{"borrow", "reader"}, std::pair{"vault", "builder"}}) {
    auto a = StoreAuth(client, KubeStore(store, sa));
    ASSERT_FALSE(a.has_value()) << store;
    EXPECT_EQ(a.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(a.error().reason(), reasons::kServiceAccountNotConsented);
    const std::string& m = a.error().message();
    EXPECT_NE(m.find("kubernetesAuth.serviceAccountRef"), std::string::npos)
        << m;
    EXPECT_NE(m.find("ServiceAccount team-a/" + std::string(sa)),
              std::string::npos)
        << m;
    EXPECT_NE(
        m.find("sealsync.dev/vault-login=SecretStore/" + std::string(store)),
        std::string::npos)
        << m;
  }
  auto missing = StoreAuth(client, KubeStore("vault", "nobody"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message().find("team-a/nobody does not exist"),
            std::string::npos);
  EXPECT_EQ(TokenRequests(client), 0);
}

TEST(LoginConsent, ConsentedStoreMintsAndAWithdrawalStopsTheNextToken) {
  FakeClient client;
  client.Seed(kServiceAccounts, Sa("reader", "SecretStore/vault"));
  auto a = StoreAuth(client, KubeStore("vault", "reader"));
  ASSERT_TRUE(a.has_value()) << a.error().message();
  ASSERT_TRUE(a->service_account_token);
  (void)a->service_account_token();  // the fake answers without a token
  EXPECT_EQ(TokenRequests(client), 1);
  // Withdrawn after the store's credentials were read: the next login's
  // token is refused before the request.
  ASSERT_TRUE(client.MergePatch(kServiceAccounts, {"team-a", "reader"},
                                {{"metadata",
                                  {{"annotations",
                                    {{std::string(names::kVaultLoginAnnotation),
                                      "SecretStore/other"}}}}}}));
  auto t = a->service_account_token();
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(t.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(TokenRequests(client), 1);
}

// The credentials cache is keyed by store name too: a store the
// ServiceAccount does not name never reuses a consented store's read.
TEST(LoginConsent, TheCredentialsCacheDoesNotLendConsent) {
  FakeClient client;
  FakeClock clock;
  StoreAuthCache cache(clock, std::chrono::seconds(10));
  client.Seed(kServiceAccounts, Sa("reader", "SecretStore/vault"));
  ASSERT_TRUE(cache.Get(client, KubeStore("vault", "reader")).has_value());
  auto b = cache.Get(client, KubeStore("borrow", "reader"));
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().reason(), reasons::kServiceAccountNotConsented);
}

}  // namespace
}  // namespace sealsync::op
