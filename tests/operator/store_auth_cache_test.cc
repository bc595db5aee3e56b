// StoreAuthCache: one credentials read per store per TTL, no sharing between
// stores whose references differ, rotation picked up after the TTL, errors
// never remembered.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lib/base/base64.h"
#include "operator/external_values.h"
#include "operator/login_consent.h"
#include "sealsync/names.h"
#include "tests/lib/kube/fake_client.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeClient;
using kube::testing::FakeClock;
using namespace std::chrono_literals;

Json Creds(const std::string& ns, const std::string& id,
           const std::string& secret) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "identity"}, {"namespace", ns}}},
          {"data",
           {{"clientId", Base64Encode(AsBytes(id))},
            {"clientSecret", Base64Encode(AsBytes(secret))}}}};
}

const std::string kPem =
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";

StoreSpec Store(const std::string& ns) {
  StoreSpec s;
  s.kind = "SecretStore";
  s.ns = ns;
  s.name = "vault";
  s.host_api = "https://vault.example/api";
  s.client_id = {ns, "identity", "clientId"};
  s.client_secret = {ns, "identity", "clientSecret"};
  return s;
}

class StoreAuthCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(client_.Create(kube::kSecrets, Creds("team-a", "id-a", "old")));
    ASSERT_TRUE(client_.Create(kube::kSecrets, Creds("team-b", "id-b", "b")));
  }
  int Reads() const { return client_.CountCalls("get", "secrets"); }

  FakeClient client_;
  FakeClock clock_;
  StoreAuthCache cache_{clock_, 10s};
};

TEST_F(StoreAuthCacheTest, OneReadPerStoreWithinTheTtl) {
  for (int i = 0; i < 100; ++i) {
    auto a = cache_.Get(client_, Store("team-a"));
    ASSERT_TRUE(a.has_value()) << a.error().message();
    EXPECT_EQ(a->client_id, "id-a");
    EXPECT_EQ(a->client_secret, "old");
  }
  EXPECT_EQ(Reads(), 1);
}

TEST_F(StoreAuthCacheTest, StoresWithOtherReferencesDoNotShare) {
  auto a = cache_.Get(client_, Store("team-a"));
  auto b = cache_.Get(client_, Store("team-b"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->client_id, "id-b");
  EXPECT_EQ(b->client_secret, "b");
  // Same Secret, another key: read on its own.
  StoreSpec other = Store("team-a");
  other.client_secret.key = "clientId";
  auto o = cache_.Get(client_, other);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->client_secret, "id-a");
  // Same reference, another login method (an access token): not shared.
  StoreSpec token = Store("team-a");
  token.auth_method = vault::AuthMethod::kToken;
  auto t = cache_.Get(client_, token);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->method, vault::AuthMethod::kToken);
  EXPECT_EQ(Reads(), 4);
}

TEST_F(StoreAuthCacheTest, ARotatedCredentialIsUsedAfterTheTtl) {
  ASSERT_TRUE(cache_.Get(client_, Store("team-a")));
  ASSERT_TRUE(client_.MergePatch(
      kube::kSecrets, {"team-a", "identity"},
      {{"data", {{"clientSecret", Base64Encode(AsBytes("new"))}}}}));
  clock_.Advance(9s);
  EXPECT_EQ(cache_.Get(client_, Store("team-a"))->client_secret, "old");
  clock_.Advance(1s);
  EXPECT_EQ(cache_.Get(client_, Store("team-a"))->client_secret, "new");
  EXPECT_EQ(Reads(), 2);
}

TEST_F(StoreAuthCacheTest, KubernetesIdentitiesDoNotShare) {
  // Two ClusterSecretStores on one host that differ only in the identity and
  // the ServiceAccount they log in as: each gets its own.
  auto kube_store = [](const std::string& identity, const std::string& ns,
                       const std::string& sa) {
    StoreSpec s;
    s.kind = "ClusterSecretStore";
    s.name = "vault-" + identity;
    s.host_api = "https://vault.example/api";
    s.auth_method = vault::AuthMethod::kKubernetes;
    s.identity_id = identity;
    s.service_account = {ns, sa, {}};
    return s;
  };
  // Both ServiceAccounts let every store log in as them (login_consent.h).
  for (const char* ns : {"team-a", "team-b"})
    client_.Seed(kServiceAccounts,
                 {{"apiVersion", "v1"},
                  {"kind", "ServiceAccount"},
                  {"metadata",
                   {{"name", "reader"},
                    {"namespace", ns},
                    {"annotations",
                     {{std::string(names::kVaultLoginAnnotation), "*"}}}}}});
  auto a = cache_.Get(client_, kube_store("id-1", "team-a", "reader"));
  auto b = cache_.Get(client_, kube_store("id-2", "team-b", "reader"));
  auto c = cache_.Get(client_, kube_store("id-1", "team-b", "reader"));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->client_id, "id-1");
  EXPECT_EQ(b->client_id, "id-2");
  EXPECT_EQ(c->client_id, "id-1");
  EXPECT_NE(a->service_account, b->service_account);
  EXPECT_NE(a->service_account, c->service_account);
  EXPECT_EQ(b->service_account, c->service_account);
}

// Every input of the read separates entries: a store that differs from
// another in any one of them gets what StoreAuth reads for it, not the
// other's cached credentials.
TEST_F(StoreAuthCacheTest, EveryAuthInputHasItsOwnEntry) {
  ASSERT_TRUE(client_.Create(
      kube::kSecrets,
      {{"apiVersion", "v1"},
       {"kind", "Secret"},
       {"metadata", {{"name", "other"}, {"namespace", "team-a"}}},
       {"data",
        {{"clientId", Base64Encode(AsBytes("id-other"))},
         {"clientSecret", Base64Encode(AsBytes("secret-other"))},
         {"ca.crt", Base64Encode(AsBytes(kPem + "\n#secret"))}}}}));
  ASSERT_TRUE(client_.Create(
      kube::kConfigMaps,
      {{"apiVersion", "v1"},
       {"kind", "ConfigMap"},
       {"metadata", {{"name", "other"}, {"namespace", "team-a"}}},
       {"data", {{"ca.crt", kPem + "\n#configmap"}}}}));
  // The ServiceAccounts let every store log in as them (login_consent.h).
  for (const char* ns : {"team-a", "team-b"}) {
    for (const char* sa : {"reader", "writer"}) {
      client_.Seed(kServiceAccounts,
                   {{"apiVersion", "v1"},
                    {"kind", "ServiceAccount"},
                    {"metadata",
                     {{"name", sa},
                      {"namespace", ns},
                      {"annotations",
                       {{std::string(names::kVaultLoginAnnotation), "*"}}}}}});
    }
  }
  auto kube_auth = [](StoreSpec& s) {
    s.auth_method = vault::AuthMethod::kKubernetes;
    s.identity_id = "id-k";
    s.service_account = {"team-a", "reader", {"vault"}};
  };
  const std::vector<std::pair<std::string, std::function<void(StoreSpec&)>>>
      changes = {
          {"host", [](StoreSpec& s) { s.host_api = "https://other/api"; }},
          {"method",
           [](StoreSpec& s) { s.auth_method = vault::AuthMethod::kToken; }},
          {"clientId ref", [](StoreSpec& s) { s.client_id.name = "other"; }},
          {"clientSecret ref",
           [](StoreSpec& s) { s.client_secret.name = "other"; }},
          {"identity",
           [&](StoreSpec& s) {
             kube_auth(s);
             s.identity_id = "id-other";
           }},
          {"ServiceAccount namespace",
           [&](StoreSpec& s) {
             kube_auth(s);
             s.service_account.ns = "team-b";
           }},
          {"ServiceAccount name",
           [&](StoreSpec& s) {
             kube_auth(s);
             s.service_account.name = "writer";
           }},
          {"audiences",
           [&](StoreSpec& s) {
             kube_auth(s);
             s.service_account.audiences = {"other"};
           }},
          {"caBundle", [](StoreSpec& s) { s.ca_pem = kPem; }},
          {"caProvider Secret",
           [](StoreSpec& s) {
             s.ca_ref = SecretKeyRef{"team-a", "other", "ca.crt"};
           }},
          {"caProvider ConfigMap",
           [](StoreSpec& s) {
             s.ca_ref = SecretKeyRef{"team-a", "other", "ca.crt"};
             s.ca_in_config_map = true;
           }},
      };
  for (const auto& [what, change] : changes) {
    SCOPED_TRACE(what);
    // The unchanged store first (both forms when the change switches to
    // kubernetes auth), then the changed one.
    StoreSpec base = Store("team-a");
    StoreSpec base_kube = base;
    kube_auth(base_kube);
    ASSERT_TRUE(cache_.Get(client_, base));
    ASSERT_TRUE(cache_.Get(client_, base_kube));
    StoreSpec changed = base;
    change(changed);
    auto want = StoreAuth(client_, changed);
    auto got = cache_.Get(client_, changed);
    ASSERT_TRUE(want.has_value()) << want.error().message();
    ASSERT_TRUE(got.has_value()) << got.error().message();
    EXPECT_EQ(got->host_api, want->host_api);
    EXPECT_EQ(got->method, want->method);
    EXPECT_EQ(got->client_id, want->client_id);
    EXPECT_EQ(got->client_secret, want->client_secret);
    EXPECT_EQ(got->service_account, want->service_account);
    EXPECT_EQ(got->ca_pem, want->ca_pem);
  }
}

TEST_F(StoreAuthCacheTest, FailuresAreNotRemembered) {
  StoreSpec missing = Store("team-c");  // no credentials Secret yet
  auto e = cache_.Get(client_, missing);
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(client_.Create(kube::kSecrets, Creds("team-c", "id-c", "c")));
  auto ok = cache_.Get(client_, missing);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->client_id, "id-c");
}

}  // namespace
}  // namespace sealsync::op
