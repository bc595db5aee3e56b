// Event mapping (operator/event_handlers.h) and the Request key codec: which
// objects a watch event queues.
#include "operator/event_handlers.h"

#include <gtest/gtest.h>

#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

kube::ObjectPtr SecretWithOwner(const std::string& owner) {
  Json s = {{"metadata", {{"name", "db"}, {"namespace", "team-a"}}}};
  if (!owner.empty())
    s["metadata"]["annotations"][std::string(names::kOwnerAnnotation)] = owner;
  return std::make_shared<const Json>(s);
}

TEST(EventHandlersTest, ASecretMapsToEveryExternalSecretItsOwnerNames) {
  struct Case {
    std::string owner;
    std::vector<Request> external, sealed;
  };
  const std::vector<Case> cases = {
      {"", {}, {{"", "team-a", "db"}}},
      {"SealedSecret/db", {}, {{"", "team-a", "db"}}},
      {"ExternalSecret/app", {{"", "team-a", "app"}}, {}},
      // An admin's consent may name several objects, with spaces.
      {"ExternalSecret/a, SealedSecret/db,ExternalSecret/b",
       {{"", "team-a", "a"}, {"", "team-a", "b"}},
       {}},
  };
  for (const Case& c : cases) {
    auto obj = SecretWithOwner(c.owner);
    EXPECT_EQ(ExternalSecretsOfSecret("team-a/db", obj), c.external) << c.owner;
    EXPECT_EQ(SealedSecretOfSecret("team-a/db", obj), c.sealed) << c.owner;
  }
  // A deletion without the last object: only the SealedSecret is queued.
  EXPECT_TRUE(ExternalSecretsOfSecret("team-a/db", nullptr).empty());
}

TEST(EventHandlersTest, AStoreMapsToTheExternalSecretsUsingIt) {
  kube::Store externals;
  auto es = [&](const std::string& ns, const std::string& name,
                const std::string& store, const std::string& kind) {
    externals.Upsert(
        {{"metadata", {{"name", name}, {"namespace", ns}}},
         {"spec", {{"secretStoreRef", {{"name", store}, {"kind", kind}}}}}});
  };
  es("team-a", "one", "vault", "SecretStore");
  es("team-b", "two", "vault", "SecretStore");  // another namespace's store
  es("team-b", "three", "vault", "ClusterSecretStore");
  es("team-a", "four", "other", "SecretStore");
  EXPECT_EQ(ExternalSecretsUsingStore(externals, "SecretStore", "team-a/vault"),
            (std::vector<Request>{{"", "team-a", "one"}}));
  EXPECT_EQ(ExternalSecretsUsingStore(externals, "ClusterSecretStore", "vault"),
            (std::vector<Request>{{"", "team-b", "three"}}));
}

TEST(EventHandlersTest,
     AnExternalSecretMapsToTheClusterExternalSecretOwningIt) {
  auto es = [](Json refs) {
    return std::make_shared<const Json>(
        Json{{"metadata",
              {{"name", "app"},
               {"namespace", "team-a"},
               {"ownerReferences", std::move(refs)}}}});
  };
  auto ref = [](std::string kind, bool controller) {
    return Json{{"apiVersion", "sealsync.dev/v1alpha1"},
                {"kind", kind},
                {"name", "fanout"},
                {"uid", "u1"},
                {"controller", controller}};
  };
  EXPECT_EQ(
      ClusterExternalSecretOfExternalSecret(
          "team-a/app", es(Json::array({ref("ClusterExternalSecret", true)}))),
      (std::vector<Request>{{"", "", "fanout"}}));
  // Not the controller, another kind, none at all: nothing queued.
  EXPECT_TRUE(
      ClusterExternalSecretOfExternalSecret(
          "team-a/app", es(Json::array({ref("ClusterExternalSecret", false)})))
          .empty());
  EXPECT_TRUE(ClusterExternalSecretOfExternalSecret(
                  "team-a/app", es(Json::array({ref("Deployment", true)})))
                  .empty());
  EXPECT_TRUE(
      ClusterExternalSecretOfExternalSecret("team-a/app", es(Json::array()))
          .empty());
  EXPECT_TRUE(
      ClusterExternalSecretOfExternalSecret("team-a/app", nullptr).empty());

  kube::Store ces;
  ces.Upsert({{"metadata", {{"name", "one"}}}});
  ces.Upsert({{"metadata", {{"name", "two"}}}});
  EXPECT_EQ(EveryClusterExternalSecret(ces),
            (std::vector<Request>{{"", "", "one"}, {"", "", "two"}}));
}

TEST(EventHandlersTest, ATenantsDeletedExternalSecretFreesItsNameForTheFanOut) {
  kube::Store ces;
  ces.Upsert({{"metadata", {{"name", "fanout"}}}});  // children named fanout
  ces.Upsert({{"metadata", {{"name", "renamed"}}},
              {"spec", {{"externalSecretName", "app"}}}});
  ces.Upsert({{"metadata", {{"name", "other"}}},
              {"spec", {{"externalSecretName", "db"}}}});
  auto es = [](const std::string& name, Json refs) {
    return std::make_shared<const Json>(Json{{"metadata",
                                              {{"name", name},
                                               {"namespace", "team-b"},
                                               {"ownerReferences", refs}}}});
  };
  using T = kube::WatchEventType;
  EXPECT_EQ(ClusterExternalSecretsOfFreedName(T::kDeleted, "team-b/app",
                                              es("app", Json::array()), ces),
            (std::vector<Request>{{"", "", "renamed"}}));
  EXPECT_EQ(ClusterExternalSecretsOfFreedName(T::kDeleted, "team-b/fanout",
                                              es("fanout", Json::array()), ces),
            (std::vector<Request>{{"", "", "fanout"}}));
  // Not a deletion, or a name no fan-out uses: nothing.
  EXPECT_TRUE(ClusterExternalSecretsOfFreedName(T::kAdded, "team-b/app",
                                                es("app", Json::array()), ces)
                  .empty());
  EXPECT_TRUE(ClusterExternalSecretsOfFreedName(T::kDeleted, "team-b/web",
                                                es("web", Json::array()), ces)
                  .empty());
  // A fan-out's own child deleted maps through its ownerReference instead.
  Json own = Json::array({{{"apiVersion", "sealsync.dev/v1alpha1"},
                           {"kind", "ClusterExternalSecret"},
                           {"name", "renamed"},
                           {"controller", true}}});
  EXPECT_TRUE(ClusterExternalSecretsOfFreedName(T::kDeleted, "team-b/app",
                                                es("app", own), ces)
                  .empty());
}

TEST(EventHandlersTest, AStoreFoundReadyMapsOnlyToTheExternalSecretsWaiting) {
  kube::Store externals;
  auto es = [&](const std::string& name, kube::Json status) {
    kube::Json o = {
        {"metadata",
         {{"name", name}, {"namespace", "team-a"}, {"generation", 2}}},
        {"spec", {{"secretStoreRef", {{"name", "vault"}}}}}};
    if (!status.is_null()) o["status"] = status;
    externals.Upsert(o);
  };
  auto ready = [](const char* s, int gen) {
    return kube::Json{{"observedGeneration", gen},
                      {"conditions", {{{"type", "Ready"}, {"status", s}}}}};
  };
  es("new", nullptr);
  es("synced", ready("True", 2));
  es("failed", ready("False", 2));
  es("changed", ready("True", 1));  // spec changed since its sync
  EXPECT_EQ(ExternalSecretsUsingStore(externals, "SecretStore", "team-a/vault",
                                      StoreEvent::kFoundReady),
            (std::vector<Request>{{"", "team-a", "changed"},
                                  {"", "team-a", "failed"},
                                  {"", "team-a", "new"}}));
  EXPECT_EQ(ExternalSecretsUsingStore(externals, "SecretStore", "team-a/vault",
                                      StoreEvent::kChanged)
                .size(),
            4u);
}

TEST(RequestTest, KeysRoundTrip) {
  for (const Request& r :
       std::vector<Request>{{"", "ns", "name"},
                            {"", "", "cluster-wide"},
                            {"SecretStore", "ns", "vault"},
                            {"ClusterSecretStore", "", "v"}}) {
    EXPECT_EQ(Request::FromKey(r.Key()), r) << r.Key();
  }
  EXPECT_EQ((Request{"SecretStore", "ns", "vault"}).Key(),
            "SecretStore|ns/vault");
  EXPECT_EQ((Request{"", "ns", "vault"}).StoreKey(), "ns/vault");
}

}  // namespace
}  // namespace sealsync::op
