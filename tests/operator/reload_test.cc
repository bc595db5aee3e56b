// Workload reload, the pure part: which Secrets a workload reloads for
// (every way a pod template references one; named ones; never another
// namespace's), fingerprints that follow data only, and the observed
// annotation.
#include "operator/reload.h"

#include <gtest/gtest.h>

#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

Json Workload(const std::string& reload) {
  Json pod = Json::parse(R"({
    "initContainers": [{"name": "init", "envFrom": [{"secretRef": {"name": "init-env"}}]}],
    "containers": [{"name": "app",
      "env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "env-ref", "key": "k"}}},
              {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
              {"name": "C", "value": "plain"}],
      "envFrom": [{"secretRef": {"name": "env-from"}}, {"configMapRef": {"name": "cm2"}}]}],
    "volumes": [{"name": "v1", "secret": {"secretName": "vol"}},
                {"name": "v2", "projected": {"sources": [
                   {"secret": {"name": "projected"}}, {"configMap": {"name": "cm3"}}]}},
                {"name": "v3", "emptyDir": {}}]})");
  Json w = {{"metadata", {{"name", "app"}, {"namespace", "team-a"}}},
            {"spec", {{"template", {{"spec", pod}}}}}};
  if (!reload.empty())
    w["metadata"]["annotations"][std::string(names::kReloadAnnotation)] =
        reload;
  return w;
}

TEST(Reload, TargetsEveryWayAPodTemplateReferencesASecret) {
  auto t = ReloadTargets(Workload("true"));
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (std::set<std::string>{"env-ref", "env-from", "init-env",
                                       "projected", "vol"}));
}

TEST(Reload, NamedTargetsAreNamesOfTheWorkloadsOwnNamespace) {
  auto t = ReloadTargets(Workload(" db , api,other-ns/db,,Bad_Name"));
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, (std::set<std::string>{"api", "db"}));
}

TEST(Reload, NotOptedIn) {
  EXPECT_FALSE(ReloadTargets(Workload("")));
  EXPECT_FALSE(ReloadTargets(Workload("false")));
  EXPECT_FALSE(ReloadTargets(Json::object()));
  EXPECT_FALSE(ReloadTargets(Json::parse(
      R"({"metadata": {"annotations": {"sealsync.dev/reload": 1}}})")));
  // Hostile shapes: wrong types everywhere are ignored, never a crash.
  auto odd = ReloadTargets(Json::parse(
      R"({"metadata": {"annotations": {"sealsync.dev/reload": "true"}},
          "spec": {"template": {"spec": {"containers": "x", "volumes": [1, {"secret": 2}]}}}})"));
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->empty());
}

TEST(Reload, FingerprintFollowsDataOnlyAndDependsOnTheKey) {
  uint8_t k1[32] = {1}, k2[32] = {2};
  Json a = {{"metadata", {{"name", "db"}, {"resourceVersion", "1"}}},
            {"data", {{"password", "aHVudGVyMg=="}, {"user", "YWRtaW4="}}}};
  Json relabelled = a;
  relabelled["metadata"]["labels"] = {{"x", "y"}};
  relabelled["metadata"]["resourceVersion"] = "2";
  Json changed = a;
  changed["data"]["password"] = "aHVudGVyMw==";
  std::string fa = DataFingerprint(a, ByteView(k1, 32));
  EXPECT_EQ(fa.size(), 16u);
  EXPECT_EQ(fa, DataFingerprint(relabelled, ByteView(k1, 32)));
  EXPECT_NE(fa, DataFingerprint(changed, ByteView(k1, 32)));
  EXPECT_NE(fa, DataFingerprint(a, ByteView(k2, 32)));
  // Key/value boundaries are part of it.
  Json shifted = {{"data", {{"ab", "c"}}}};
  Json shifted2 = {{"data", {{"a", "bc"}}}};
  EXPECT_NE(DataFingerprint(shifted, ByteView(k1, 32)),
            DataFingerprint(shifted2, ByteView(k1, 32)));
}

TEST(Reload, ObservedAnnotationRoundTripsAndChangesAreDataChangesOnly) {
  Fingerprints f = {{"api", "0123456789abcdef"}, {"db", "fedcba9876543210"}};
  EXPECT_EQ(FormatObserved(f), "api=0123456789abcdef,db=fedcba9876543210");
  EXPECT_EQ(ParseObserved(FormatObserved(f)), f);
  EXPECT_EQ(ParseObserved("db=short,x/y=0123456789abcdef,,=1"), Fingerprints{});
  Fingerprints now = f;
  now["db"] = "0000000000000000";
  now["new"] = "1111111111111111";
  now.erase("api");
  EXPECT_EQ(ChangedSecrets(f, now), std::set<std::string>{"db"});
  EXPECT_TRUE(ChangedSecrets(f, f).empty());
}

}  // namespace
}  // namespace sealsync::op
