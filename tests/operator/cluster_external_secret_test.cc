// ClusterExternalSecret: spec parsing and its refusals (each naming the
// field), label selector matching, and ClusterExternalSecretReconciler
// against the fake client: fan-out, cleanup when a namespace stops
// matching, a tenant's ExternalSecret of the same name left untouched,
// drift undone, API failures, the namespace limit and every Ready reason.
// Tables; each row starts from a fresh cluster state. No control plane.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "lib/api/manifest.h"
#include "operator/cluster_external_secret_reconciler.h"
#include "operator/external_secret_spec.h"
#include "operator/reasons.h"
#include "sealsync/names.h"
#include "tests/lib/kube/fake_client.h"

namespace sealsync::op {
namespace {

using kube::Json;
using kube::testing::FakeCall;
using kube::testing::FakeClient;
using kube::testing::FakeClock;
using namespace std::chrono_literals;

Json EsSpec() {
  return {
      {"refreshInterval", "1h"},
      {"secretStoreRef", {{"name", "vault"}, {"kind", "ClusterSecretStore"}}},
      {"data",
       {{{"secretKey", "password"}, {"remoteRef", {{"key", "DB_PASS"}}}}}}};
}

Json Ces(Json spec_overrides = Json::object()) {
  Json spec = {{"externalSecretName", "app"},
               {"externalSecretMetadata", {{"labels", {{"team", "shared"}}}}},
               {"namespaceSelectors", {{{"matchLabels", {{"tier", "gold"}}}}}},
               {"externalSecretSpec", EsSpec()}};
  spec.merge_patch(spec_overrides);
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", "ClusterExternalSecret"},
          {"metadata", {{"name", "fanout"}, {"generation", 1}}},
          {"spec", spec}};
}

Json Expr(const std::string& key, const std::string& op, Json values) {
  Json e = {{"key", key}, {"operator", op}};
  if (!values.is_null()) e["values"] = values;
  return e;
}

Json Selectors(Json expressions) {
  return {
      {"namespaceSelectors", {{{"matchExpressions", std::move(expressions)}}}}};
}

TEST(ClusterExternalSecretSpecTest, RefusesBadInputNamingTheField) {
  Json many_values = Json::array();
  for (int i = 0; i < 65; ++i) many_values.push_back("v" + std::to_string(i));
  Json many_exprs = Json::array();
  for (int i = 0; i < 33; ++i) many_exprs.push_back(Expr("k", "Exists", {}));
  Json many_selectors = Json::array();
  for (int i = 0; i < 17; ++i) many_selectors.push_back(Json::object());
  Json many_names = Json::array();
  for (int i = 0; i < 1001; ++i) many_names.push_back("ns" + std::to_string(i));
  struct Case {
    std::string what;
    Json overrides;
    std::string
        field;  // in the message, after "ClusterExternalSecret fanout: "
  };
  const std::string e0 = "spec.namespaceSelectors[0].matchExpressions[0]";
  const std::vector<Case> cases = {
      {"unknown operator",
       Selectors(Json::array({Expr("tier", "Like", {"gold"})})),
       e0 + ".operator: \"Like\" is not an operator"},
      {"In without values",
       Selectors(Json::array({Expr("tier", "In", Json::array())})),
       e0 + ".values: In needs at least one value"},
      {"Exists with values",
       Selectors(Json::array({Expr("tier", "Exists", {"x"})})),
       e0 + ".values: Exists takes no values"},
      {"bad key", Selectors(Json::array({Expr("bad key!", "Exists", {})})),
       e0 + ".key: \"bad key!\" is not a label key"},
      {"bad value", Selectors(Json::array({Expr("tier", "In", {"a b"})})),
       e0 + ".values[0]: not a label value"},
      {"too many values",
       Selectors(Json::array({Expr("tier", "In", many_values)})),
       e0 + ".values: more than 64 values"},
      {"too many expressions", Selectors(many_exprs),
       "spec.namespaceSelectors[0].matchExpressions: more than 32"},
      {"too many selectors",
       {{"namespaceSelectors", many_selectors}},
       "spec.namespaceSelectors: more than 16 selectors"},
      {"too many names", {{"namespaces", many_names}}, "spec.namespaces: want"},
      {"bad deprecated selector",
       {{"namespaceSelectors", nullptr},
        {"namespaceSelector",
         {{"matchExpressions", Json::array({Expr("t", "Near", {})})}}}},
       "spec.namespaceSelector.matchExpressions[0].operator"},
      {"selects nothing",
       {{"namespaceSelectors", nullptr}},
       "spec.namespaceSelectors: select namespaces"},
      {"bad name",
       {{"externalSecretName", "Not_A_Name"}},
       "spec.externalSecretName: \"Not_A_Name\" is not an object name"},
      {"bad refresh", {{"refreshTime", "soon"}}, "spec.refreshTime"},
      {"no ExternalSecret spec",
       {{"externalSecretSpec", nullptr}},
       "spec.externalSecretSpec: missing"},
      {"bad ExternalSecret spec",
       {{"externalSecretSpec", {{"secretStoreRef", {{"name", nullptr}}}}}},
       "spec.externalSecretSpec.secretStoreRef.name: missing"},
  };
  for (const Case& c : cases) {
    auto r = ParseClusterExternalSecret(Ces(c.overrides));
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << c.what;
    EXPECT_NE(
        r.error().message().find("ClusterExternalSecret fanout: " + c.field),
        std::string::npos)
        << c.what << ": " << r.error().message();
  }
}

TEST(ClusterExternalSecretSpecTest, ParsesEsoFieldsAndDefaults) {
  auto r = ParseClusterExternalSecret(
      Ces({{"externalSecretName", nullptr},
           {"namespaceSelector", {{"matchLabels", {{"env", "prod"}}}}},
           {"namespaces", {"extra"}}}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->external_secret_name, "fanout");  // the object's name
  EXPECT_EQ(r->selectors.size(), 2u);  // namespaceSelectors + deprecated one
  EXPECT_EQ(r->namespaces, std::set<std::string>{"extra"});
  EXPECT_EQ(r->refresh, 1min);
  auto ns = [](std::string name, Json labels) {
    return Json{{"metadata", {{"name", name}, {"labels", labels}}}};
  };
  EXPECT_TRUE(SelectsNamespace(*r, ns("a", {{"tier", "gold"}})));
  EXPECT_TRUE(SelectsNamespace(*r, ns("b", {{"env", "prod"}})));
  EXPECT_TRUE(SelectsNamespace(*r, ns("extra", Json::object())));
  EXPECT_FALSE(SelectsNamespace(*r, ns("c", {{"tier", "silver"}})));
}

// Every default the ExternalSecret CRD gives a spec field, found by walking
// its schema: "properties" -> NAME -> {"default": V}.
void CollectDefaults(const Json& node,
                     std::map<std::string, std::string>& out) {
  if (node.is_object()) {
    if (auto props = node.find("properties");
        props != node.end() && props->is_object()) {
      for (const auto& [name, schema] : props->items()) {
        if (schema.is_object() && schema.contains("default"))
          out[name] = schema["default"].is_string()
                          ? schema["default"].get<std::string>()
                          : schema["default"].dump();
      }
    }
    for (const auto& [k, v] : node.items()) CollectDefaults(v, out);
  } else if (node.is_array()) {
    for (const auto& v : node) CollectDefaults(v, out);
  }
}

TEST(ClusterExternalSecretSpecTest, KnowsEveryDefaultOfTheExternalSecretCrd) {
  std::ifstream in(std::string(SEALSYNC_SOURCE_DIR) +
                   "/crds/sealsync.dev_externalsecrets.yaml");
  std::stringstream text;
  text << in.rdbuf();
  auto crd = api::ParseManifest(text.str());
  ASSERT_TRUE(crd.has_value()) << crd.error().message();
  std::map<std::string, std::string> found;
  CollectDefaults((*crd)["spec"], found);
  EXPECT_GE(found.size(), 6u);  // the walk found the schema
  EXPECT_EQ(found, ExternalSecretSpecDefaults());
  // And a child that differs only by a default is up to date.
  Json desired = {{"spec", {{"target", {{"name", "app"}}}}}};
  Json observed = {{"spec",
                    {{"target", {{"name", "app"}, {"creationPolicy", "Owner"}}},
                     {"refreshInterval", "1h"}}}};
  EXPECT_TRUE(ChildUpToDate(observed, desired));
  observed["spec"]["refreshInterval"] = "5m";  // an edit: not up to date
  EXPECT_FALSE(ChildUpToDate(observed, desired));
}

TEST(ClusterExternalSecretSpecTest, SelectorsMatchAsKubernetesDoes) {
  struct Case {
    Json selector;
    std::map<std::string, std::string> labels;
    bool match;
  };
  const std::vector<Case> cases = {
      {Json::object(), {}, true},  // empty selects everything
      {{{"matchLabels", {{"a", "1"}}}}, {{"a", "1"}, {"b", "2"}}, true},
      {{{"matchLabels", {{"a", "1"}}}}, {{"a", "2"}}, false},
      {{{"matchExpressions", Json::array({Expr("a", "In", {"1", "2"})})}},
       {{"a", "2"}},
       true},
      {{{"matchExpressions", Json::array({Expr("a", "In", {"1"})})}},
       {},
       false},
      {{{"matchExpressions", Json::array({Expr("a", "NotIn", {"1"})})}},
       {},
       true},
      {{{"matchExpressions", Json::array({Expr("a", "NotIn", {"1"})})}},
       {{"a", "1"}},
       false},
      {{{"matchExpressions", Json::array({Expr("a", "Exists", nullptr)})}},
       {{"a", ""}},
       true},
      {{{"matchExpressions",
         Json::array({Expr("a", "DoesNotExist", nullptr)})}},
       {{"a", ""}},
       false},
      // Every term must hold.
      {{{"matchLabels", {{"a", "1"}}},
        {"matchExpressions", Json::array({Expr("b", "Exists", nullptr)})}},
       {{"a", "1"}},
       false},
  };
  for (const Case& c : cases) {
    auto s = ParseLabelSelector(c.selector, "sel");
    ASSERT_TRUE(s.has_value()) << c.selector.dump();
    EXPECT_EQ(Matches(*s, c.labels), c.match) << c.selector.dump();
  }
}

// The fake cluster: caches the controller would have, filled from the
// fake client after each pass (as the watches would).
struct Cluster {
  FakeClient client;
  FakeClock clock;
  kube::Store ces, namespaces, externals;
  std::set<std::string> allowed;
  std::unique_ptr<ClusterExternalSecretReconciler> reconciler;

  Cluster() { Reset(); }
  void Reset() {
    reconciler = std::make_unique<ClusterExternalSecretReconciler>(
        client, ClusterExternalCaches{ces, namespaces, externals}, clock,
        allowed);
  }
  void Namespace(const std::string& name, Json labels,
                 bool terminating = false) {
    Json ns = {{"apiVersion", "v1"},
               {"kind", "Namespace"},
               {"metadata", {{"name", name}, {"labels", labels}}}};
    if (terminating) ns["status"] = {{"phase", "Terminating"}};
    namespaces.Upsert(ns);
  }
  void AddCes(Json overrides = Json::object()) {
    ces.Upsert(client.Seed(kClusterExternalSecrets, Ces(overrides)));
  }
  std::string CesUid() {
    return (*client.Object(kClusterExternalSecrets,
                           {"", "fanout"}))["metadata"]["uid"];
  }
  // An ExternalSecret "app" in `ns` someone else made.
  Json TenantEs(const std::string& ns, Json labels = Json::object()) {
    Json es = {
        {"apiVersion", "sealsync.dev/v1alpha1"},
        {"kind", "ExternalSecret"},
        {"metadata", {{"name", "app"}, {"namespace", ns}, {"labels", labels}}},
        {"spec",
         {{"secretStoreRef", {{"name", "mine"}}},
          {"data", {{{"secretKey", "k"}, {"remoteRef", {{"key", "K"}}}}}}}}};
    Json seeded = client.Seed(kExternalSecrets, es, "kubectl");
    externals.Upsert(seeded);
    return seeded;
  }
  void SyncCaches() {
    externals.Replace(client.Objects(kExternalSecrets));
    if (auto o = client.Object(kClusterExternalSecrets, {"", "fanout"}))
      ces.Upsert(*o);
  }
  Result<Action> Reconcile() {
    auto r = reconciler->Reconcile({}, {"", "", "fanout"});
    SyncCaches();
    return r;
  }
  Json Status() {
    return client.Object(kClusterExternalSecrets, {"", "fanout"})
        ->value("status", Json::object());
  }
  Json Ready() { return Status()["conditions"][0]; }
  std::optional<Json> Es(const std::string& ns) {
    return client.Object(kExternalSecrets, {ns, "app"});
  }
};

TEST(ClusterExternalSecretReconcilerTest, FansOutToSelectedNamespaces) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.Namespace("b", {{"tier", "gold"}});
  c.Namespace("c", {{"tier", "silver"}});
  c.AddCes();
  auto r = c.Reconcile();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->requeue_after, std::chrono::milliseconds(1min));
  for (const char* ns : {"a", "b"}) {
    auto es = c.Es(ns);
    ASSERT_TRUE(es.has_value()) << ns;
    EXPECT_EQ((*es)["spec"], EsSpec());
    EXPECT_EQ((*es)["metadata"]["labels"]["team"], "shared");
    EXPECT_EQ((*es)["metadata"]["labels"]
                   [std::string(names::kClusterExternalSecretLabel)],
              "fanout");
    EXPECT_TRUE(ControlledBy(*es, c.CesUid())) << ns;
    EXPECT_EQ((*es)["metadata"]["ownerReferences"][0]["kind"],
              "ClusterExternalSecret");
  }
  EXPECT_FALSE(c.Es("c").has_value());
  Json st = c.Status();
  EXPECT_EQ(st["provisionedNamespaces"], Json::array({"a", "b"}));
  EXPECT_EQ(st["failedNamespaces"], Json::array());
  EXPECT_EQ(st["externalSecretName"], "app");
  EXPECT_EQ(st["observedGeneration"], 1);
  EXPECT_EQ(c.Ready()["status"], "True");
  EXPECT_EQ(c.Ready()["reason"], reasons::kProvisioned);

  // Nothing changed: a second pass writes nothing.
  int writes = c.client.CountCalls("create") + c.client.CountCalls("update") +
               c.client.CountCalls("patch");
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_EQ(c.client.CountCalls("create") + c.client.CountCalls("update") +
                c.client.CountCalls("patch"),
            writes);
}

TEST(ClusterExternalSecretReconcilerTest,
     CleansUpWhereANamespaceStopsMatching) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.Namespace("b", {{"tier", "gold"}});
  c.AddCes();
  ASSERT_TRUE(c.Reconcile().has_value());
  ASSERT_TRUE(c.Es("b").has_value());
  c.Namespace("b", {{"tier", "bronze"}});
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_FALSE(c.Es("b").has_value());
  EXPECT_TRUE(c.Es("a").has_value());
  EXPECT_EQ(c.Status()["provisionedNamespaces"], Json::array({"a"}));
  // The delete named the UID it checked: a replaced object is not deleted.
  for (const FakeCall& call : c.client.Calls()) {
    if (call.verb == "delete") EXPECT_EQ(call.key.ns, "b");
  }
}

TEST(ClusterExternalSecretReconcilerTest, NeverWritesOrDeletesATenantsObject) {
  struct Case {
    std::string what;
    std::string ns_tier;  // the tenant namespace's tier label
    Json tenant_labels;
  };
  const std::vector<Case> cases = {
      // Same name in a selected namespace: listed as failed, not written.
      {"same name, selected", "gold", Json::object()},
      // A forged ownership label decides nothing.
      {"forged label, selected",
       "gold",
       {{std::string(names::kClusterExternalSecretLabel), "fanout"}}},
      // ... and is not cleaned up where the namespace is not selected.
      {"forged label, not selected",
       "bronze",
       {{std::string(names::kClusterExternalSecretLabel), "fanout"}}},
  };
  for (const Case& k : cases) {
    Cluster c;
    c.Namespace("a", {{"tier", "gold"}});
    c.Namespace("t", {{"tier", k.ns_tier}});
    Json tenant = c.TenantEs("t", k.tenant_labels);
    c.AddCes();
    auto r = c.Reconcile();
    ASSERT_TRUE(c.Es("t").has_value()) << k.what;
    EXPECT_EQ(*c.Es("t"), tenant) << k.what << ": tenant's object changed";
    EXPECT_TRUE(c.Es("a").has_value()) << k.what;
    if (k.ns_tier != "gold") {
      EXPECT_TRUE(r.has_value()) << k.what;
      EXPECT_EQ(c.Ready()["reason"], reasons::kProvisioned) << k.what;
      continue;
    }
    Json st = c.Status();
    EXPECT_EQ(st["provisionedNamespaces"], Json::array({"a"})) << k.what;
    ASSERT_EQ(st["failedNamespaces"].size(), 1u) << k.what;
    EXPECT_EQ(st["failedNamespaces"][0]["namespace"], "t");
    EXPECT_NE(st["failedNamespaces"][0]["reason"].get<std::string>().find(
                  "ExternalSecret t/app exists and is not owned by "
                  "ClusterExternalSecret fanout"),
              std::string::npos)
        << st.dump();
    EXPECT_EQ(c.Ready()["status"], "False");
    EXPECT_EQ(c.Ready()["reason"], reasons::kNamespacesFailed);
    // Handled: a Warning (degraded), retried at refreshTime, no backoff.
    ASSERT_TRUE(r.has_value()) << k.what;
    ASSERT_TRUE(r->degraded.has_value()) << k.what;
    EXPECT_EQ(r->degraded->reason(), reasons::kNamespacesFailed);
    EXPECT_EQ(r->degraded->code(), ErrorCode::kFailedPrecondition);
  }
}

TEST(ClusterExternalSecretReconcilerTest, UndoesATenantsEditOrDeletion) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.AddCes();
  ASSERT_TRUE(c.Reconcile().has_value());
  // The API server's defaults are not drift.
  Json defaulted = *c.Es("a");
  defaulted["spec"]["refreshPolicy"] = "Periodic";
  defaulted["spec"]["secretStoreRef"]["kind"] = "ClusterSecretStore";
  defaulted["spec"]["data"][0]["remoteRef"]["decodingStrategy"] = "None";
  c.client.Update(kExternalSecrets, defaulted).value();
  c.SyncCaches();
  int updates = c.client.CountCalls("update");
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_EQ(c.client.CountCalls("update"), updates);
  // A tenant points the copy elsewhere: set back.
  Json edited = *c.Es("a");
  edited["spec"]["target"] = {{"name", "elsewhere"}};
  c.client.Update(kExternalSecrets, edited).value();
  c.SyncCaches();
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_FALSE(c.Es("a")->at("spec").contains("target"));
  EXPECT_TRUE(ControlledBy(*c.Es("a"), c.CesUid()));
  // Deleted: made again.
  c.client.Delete(kExternalSecrets, {"a", "app"}).value();
  c.SyncCaches();
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_TRUE(c.Es("a").has_value());
}

TEST(ClusterExternalSecretReconcilerTest, ApiFailuresListTheNamespace) {
  struct Case {
    std::string what;
    std::string verb;  // the call that fails
    ErrorCode code;
    std::string reason_has;
    bool transient;  // backs off; else waits for refreshTime
  };
  const std::vector<Case> cases = {
      {"create refused", "create", ErrorCode::kPermissionDenied,
       "could not create the ExternalSecret: ", false},
      {"create unavailable", "create", ErrorCode::kUnavailable,
       "could not create the ExternalSecret: ", true},
      {"update conflict", "update", ErrorCode::kAborted,
       "could not update the ExternalSecret: ", true},
      {"delete unavailable", "delete", ErrorCode::kUnavailable,
       "could not remove the ExternalSecret: ", true},
  };
  for (const Case& k : cases) {
    Cluster c;
    c.Namespace("a", {{"tier", "gold"}});
    c.AddCes();
    if (k.verb == "update") {
      ASSERT_TRUE(c.Reconcile().has_value());
      Json edited = *c.Es("a");
      edited["spec"]["refreshInterval"] = "5m";
      c.client.Update(kExternalSecrets, edited).value();
      c.SyncCaches();
    }
    if (k.verb == "delete") {
      ASSERT_TRUE(c.Reconcile().has_value());
      c.Namespace("a", {{"tier", "bronze"}});
    }
    c.client.SetHook([&](const FakeCall& call) -> std::optional<Error> {
      if (call.verb == k.verb && call.resource == "externalsecrets")
        return Error(k.code, "injected failure");
      return std::nullopt;
    });
    auto r = c.Reconcile();
    if (k.transient) {
      ASSERT_FALSE(r.has_value()) << k.what;
      EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << k.what;
      EXPECT_EQ(r.error().reason(), reasons::kNamespacesFailed) << k.what;
    } else {
      ASSERT_TRUE(r.has_value() && r->degraded.has_value()) << k.what;
      EXPECT_EQ(r->degraded->reason(), reasons::kNamespacesFailed) << k.what;
    }
    Json st = c.Status();
    ASSERT_EQ(st["failedNamespaces"].size(), 1u) << k.what;
    EXPECT_NE(st["failedNamespaces"][0]["reason"].get<std::string>().find(
                  k.reason_has),
              std::string::npos)
        << st.dump();
    EXPECT_EQ(c.Ready()["reason"], reasons::kNamespacesFailed);
  }
}

TEST(ClusterExternalSecretReconcilerTest, ACreateRaceIsResolvedByOwnership) {
  for (bool ours : {true, false}) {
    Cluster c;
    c.Namespace("a", {{"tier", "gold"}});
    c.AddCes();
    // In the API server, not yet in the cache.
    Json es = ours ? RenderChild(*ParseClusterExternalSecret(*c.client.Object(
                                     kClusterExternalSecrets, {"", "fanout"})),
                                 "a")
                   : c.TenantEs("a");
    if (ours) c.client.Seed(kExternalSecrets, es);
    c.externals.Replace({});
    (void)c.reconciler->Reconcile({}, {"", "", "fanout"});
    EXPECT_EQ(c.Status()["provisionedNamespaces"],
              ours ? Json::array({"a"}) : Json::array());
    EXPECT_EQ(c.Status()["failedNamespaces"].size(), ours ? 0u : 1u);
  }
}

TEST(ClusterExternalSecretReconcilerTest, NamespacesItMustNotTouch) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.Namespace("going", {{"tier", "gold"}}, /*terminating=*/true);
  c.Namespace("unwatched", {{"tier", "gold"}});
  c.allowed = {"a", "going"};
  c.Reset();
  c.AddCes();
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_TRUE(c.Es("a").has_value());
  EXPECT_FALSE(c.Es("going").has_value());
  EXPECT_FALSE(c.Es("unwatched").has_value());
  EXPECT_EQ(c.Status()["provisionedNamespaces"], Json::array({"a"}));
}

TEST(ClusterExternalSecretReconcilerTest, RenamingMovesTheExternalSecrets) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.AddCes();
  ASSERT_TRUE(c.Reconcile().has_value());
  Json obj = *c.client.Object(kClusterExternalSecrets, {"", "fanout"});
  obj["spec"]["externalSecretName"] = "app2";
  obj["metadata"]["generation"] = 2;
  c.ces.Upsert(obj);
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_FALSE(c.Es("a").has_value());
  EXPECT_TRUE(c.client.Object(kExternalSecrets, {"a", "app2"}).has_value());
}

TEST(ClusterExternalSecretReconcilerTest, TooManyNamespacesIsBounded) {
  Cluster c;
  for (size_t i = 0; i <= kMaxProvisionedNamespaces; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "ns%04zu", i);
    c.Namespace(name, {{"tier", "gold"}});
  }
  c.AddCes();
  auto r = c.Reconcile();
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->degraded.has_value());
  EXPECT_EQ(r->degraded->code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(c.client.CountCalls("create"),
            static_cast<int>(kMaxProvisionedNamespaces));
  EXPECT_FALSE(c.Es("ns1000").has_value());  // last by name
  EXPECT_EQ(c.Ready()["reason"], reasons::kTooManyNamespaces);
  EXPECT_NE(c.Ready()["message"].get<std::string>().find("1001 namespaces"),
            std::string::npos);
}

TEST(ClusterExternalSecretReconcilerTest, InvalidSpecWritesNothing) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  c.AddCes();
  ASSERT_TRUE(c.Reconcile().has_value());
  Json before = *c.Es("a");
  Json obj = *c.client.Object(kClusterExternalSecrets, {"", "fanout"});
  obj["spec"]["namespaceSelectors"] = {
      {{"matchExpressions", Json::array({Expr("tier", "Like", {"gold"})})}}};
  obj["metadata"]["generation"] = 2;
  c.ces.Upsert(obj);
  c.Namespace("a", {{"tier", "bronze"}});  // would be cleaned if it ran
  auto r = c.Reconcile();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), reasons::kInvalidSpec);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(*c.Es("a"), before);
  EXPECT_EQ(c.Ready()["reason"], reasons::kInvalidSpec);
  EXPECT_NE(c.Ready()["message"].get<std::string>().find(
                "spec.namespaceSelectors[0].matchExpressions[0].operator"),
            std::string::npos);
  EXPECT_EQ(c.Status()["provisionedNamespaces"], Json::array({"a"}));
  EXPECT_EQ(c.Status()["observedGeneration"], 2);
}

TEST(ClusterExternalSecretReconcilerTest, GoneOrGoingDoesNothing) {
  Cluster c;
  c.Namespace("a", {{"tier", "gold"}});
  auto r = c.Reconcile();  // no such object
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->requeue_after.has_value());
  Json obj = Ces();
  obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  c.ces.Upsert(c.client.Seed(kClusterExternalSecrets, obj));
  ASSERT_TRUE(c.Reconcile().has_value());
  EXPECT_FALSE(c.Es("a").has_value());
  EXPECT_EQ(c.client.CountCalls("create"), 0);
}

}  // namespace
}  // namespace sealsync::op
