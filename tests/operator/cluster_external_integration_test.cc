// ClusterExternalSecret on the real control plane with the Infisical
// double: one object selects namespaces by label; each gets an
// ExternalSecret (owned by the ClusterExternalSecret) and its real Secret;
// a tenant's ExternalSecret of the same name is left alone and its
// namespace listed as failed; relabelling a namespace so it stops matching
// removes its ExternalSecret and, through ownership and garbage collection,
// its Secret. The vault value is in no status, Event or log line.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/operator/external_integration_fixture.h"

namespace sealsync::testing {
namespace {

using kube::Json;
using namespace std::chrono_literals;

const kube::Resource kClusterExternal{"sealsync.dev", "v1alpha1",
                                      "clusterexternalsecrets", false};

// ExternalIntegration's operator, double and credentials, and a
// ClusterSecretStore reading them for every namespace.
class ClusterExternalIntegration : public ExternalIntegration {
 protected:
  void SetUp() override {
    ExternalIntegration::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    name_ = "fanout-" + env_->ns();
    label_ = "fanout.test/" + env_->ns();
    Json store = ClusterStore(name_, "/db");
    ASSERT_TRUE(ApplyAs(kClusterStores, store).has_value());
  }
  void TearDown() override {
    if (!env_) return;
    // Garbage collection removes the ExternalSecrets it owns.
    (void)env_->client().Delete(kClusterExternal, {"", name_});
    (void)env_->client().Delete(kClusterStores, {"", name_});
  }

  Result<Json> ApplyAs(const kube::Resource& r, const Json& obj) {
    return env_->client().Apply(r, obj, {"test", true});
  }
  // Sets (or with "" removes) this test's selecting label on `ns`.
  void Label(const std::string& ns, const std::string& value) {
    Json v = value.empty() ? Json(nullptr) : Json(value);
    ASSERT_TRUE(env_->client()
                    .MergePatch(kube::kNamespaces, {"", ns},
                                {{"metadata", {{"labels", {{label_, v}}}}}})
                    .has_value());
  }
  Json Status() {
    auto o = env_->client().Get(kClusterExternal, {"", name_});
    return o ? o->value("status", Json::object()) : Json::object();
  }
  std::string ReadyReason() {
    for (const auto& c : Status().value("conditions", Json::array()))
      if (c["type"] == "Ready") return c.value("reason", "");
    return "";
  }
  // Status lists exactly `nss` (it sorts them).
  bool Provisioned(std::vector<std::string> nss) {
    std::sort(nss.begin(), nss.end());
    return Status().value("provisionedNamespaces", Json::array()) == Json(nss);
  }
  std::optional<Json> Es(const std::string& ns) {
    auto o = env_->client().Get(kExternal, {ns, "app"});
    if (!o) return std::nullopt;
    return *o;
  }

  std::string name_, label_;
};

TEST_F(ClusterExternalIntegration, FansOutLeavesTenantsAloneAndCleansUp) {
  const std::string a = env_->ns(), b = env_->ns2();
  Label(a, "yes");
  Label(b, "yes");
  // A tenant of b already has an ExternalSecret named "app".
  Json tenant = {
      {"apiVersion", "sealsync.dev/v1alpha1"},
      {"kind", "ExternalSecret"},
      {"metadata", {{"name", "app"}, {"namespace", b}}},
      {"spec",
       {{"refreshInterval", "1h"},
        {"secretStoreRef", {{"name", name_}, {"kind", "ClusterSecretStore"}}},
        {"target", {{"name", "tenant-own"}}},
        {"data",
         {{{"secretKey", "pw"}, {"remoteRef", {{"key", "PASSWORD"}}}}}}}}};
  auto tenant_made = env_->client().Apply(kExternal, tenant, {"tenant", true});
  ASSERT_TRUE(tenant_made.has_value());
  const Json tenant_spec = (*tenant_made)["spec"];

  Json ces = {
      {"apiVersion", "sealsync.dev/v1alpha1"},
      {"kind", "ClusterExternalSecret"},
      {"metadata", {{"name", name_}}},
      {"spec",
       {{"externalSecretName", "app"},
        {"externalSecretMetadata", {{"labels", {{"provisioned", "yes"}}}}},
        // Not retried on a timer within the test: the tenant deleting its
        // ExternalSecret is what frees the name for b.
        {"refreshTime", "1h"},
        {"namespaceSelectors",
         {{{"matchExpressions",
            {{{"key", label_}, {"operator", "In"}, {"values", {"yes"}}}}}}}},
        {"externalSecretSpec",
         {{"refreshInterval", "1h"},
          {"secretStoreRef", {{"name", name_}, {"kind", "ClusterSecretStore"}}},
          {"data",
           {{{"secretKey", "pw"}, {"remoteRef", {{"key", "PASSWORD"}}}}}}}}}}};
  auto made = ApplyAs(kClusterExternal, ces);
  ASSERT_TRUE(made.has_value()) << made.error().message();
  const std::string uid = (*made)["metadata"]["uid"];

  // a: an ExternalSecret owned by the ClusterExternalSecret, and its Secret.
  ASSERT_TRUE(Eventually([&] {
    return env_->SecretValue("app", "pw", a) == std::string(kVaultCanary);
  })) << op_->Log();
  auto child = Es(a);
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ((*child)["metadata"]["labels"]["provisioned"], "yes");
  EXPECT_EQ((*child)["metadata"]["ownerReferences"][0]["uid"], uid);
  EXPECT_EQ((*child)["metadata"]["ownerReferences"][0]["controller"], true);
  // b: listed as failed, the tenant's object as it was.
  ASSERT_TRUE(Eventually([&] {
    return Provisioned({a}) &&
           Status().value("failedNamespaces", Json::array()).size() == 1;
  })) << Status().dump();
  Json failed = Status()["failedNamespaces"][0];
  EXPECT_EQ(failed["namespace"], b);
  EXPECT_NE(failed["reason"].get<std::string>().find("is not owned by"),
            std::string::npos)
      << failed.dump();
  EXPECT_EQ(ReadyReason(), "NamespacesFailed");
  auto theirs = Es(b);
  ASSERT_TRUE(theirs.has_value());
  EXPECT_EQ((*theirs)["spec"], tenant_spec);
  EXPECT_FALSE((*theirs)["metadata"].contains("ownerReferences"));
  EXPECT_EQ((*theirs)["metadata"]["generation"], 1);
  EXPECT_FALSE(env_->SecretValue("app", "pw", b).has_value());

  // The tenant removes theirs: b is provisioned at once (the deletion
  // queues the ClusterExternalSecret; its refreshTime is an hour).
  ASSERT_TRUE(env_->client().Delete(kExternal, {b, "app"}).has_value());
  ASSERT_TRUE(Eventually([&] {
    return env_->SecretValue("app", "pw", b) == std::string(kVaultCanary);
  }));
  ASSERT_TRUE(Eventually([&] {
    return Provisioned({a, b}) && ReadyReason() == "Provisioned";
  })) << Status().dump();
  EXPECT_EQ(Status()["failedNamespaces"], Json::array());

  // b stops matching: its ExternalSecret is removed, and its Secret with it
  // (owned by the ExternalSecret, removed by garbage collection).
  Label(b, "");
  ASSERT_TRUE(Eventually([&] { return !Es(b).has_value(); }))
      << Status().dump();
  // The garbage collector notices a new CRD's objects within its discovery
  // period (30 s) and then syncs a monitor for them: up to a minute on a
  // fresh control plane, longer when the machine is busy.
  EXPECT_TRUE(Eventually(
      [&] {
        return !env_->client().Get(kube::kSecrets, {b, "app"}).has_value();
      },
      180s));
  EXPECT_TRUE(Eventually([&] { return Provisioned({a}); })) << Status().dump();
  EXPECT_EQ(env_->SecretValue("app", "pw", a), std::string(kVaultCanary));

  // No value in status, Events (the ClusterExternalSecret's go to
  // "default") or the log.
  ExpectNoCanary();  // log, audit log, a's Events and ExternalSecrets
  EXPECT_EQ(Status().dump().find(kVaultCanary), std::string::npos);
  for (const std::string& ns : {b, std::string("default")})
    EXPECT_EQ(env_->EventsText(ns).find(kVaultCanary), std::string::npos) << ns;
  // The failure was reported as a Warning Event on the object.
  EXPECT_TRUE(Eventually([&] {
    return env_->EventsText("default").find("NamespacesFailed") !=
           std::string::npos;
  }));
}

}  // namespace
}  // namespace sealsync::testing
