// Workload reload on the real control plane with kube-controller-manager's
// deployment controller: a Deployment that opted in gets exactly one new
// ReplicaSet per data change of a managed Secret it uses, none for writes
// that leave the data as it was, one for a burst; a workload of another
// namespace naming the same Secret is never restarted; the Event names the
// Secret and no value.
#include <gtest/gtest.h>

#include "sealsync/names.h"
#include "tests/operator/operator_env.h"

namespace sealsync::testing {
namespace {

using kube::Json;

const kube::Resource kDeploymentsR{"apps", "v1", "deployments", true};
const kube::Resource kReplicaSets{"apps", "v1", "replicasets", true};

Json Deployment(const std::string& ns, const std::string& name,
                const std::string& reload, const std::string& secret) {
  Json container = {
      {"name", "app"},
      {"image", "registry.invalid/app:1"},
      {"env",
       {{{"name", "PASSWORD"},
         {"valueFrom",
          {{"secretKeyRef", {{"name", secret}, {"key", "password"}}}}}}}}};
  return {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"annotations", {{std::string(names::kReloadAnnotation), reload}}}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", name}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", name}}}}},
          {"spec", {{"containers", Json::array({container})}}}}}}}};
}

// ReplicaSets the deployment controller made for Deployment ns/name.
int ReplicaSets(OperatorEnv& env, const std::string& ns,
                const std::string& name) {
  auto list = env.client().List(kReplicaSets, ns, {});
  if (!list) return -1;
  int n = 0;
  for (const auto& rs : list->items)
    for (const auto& o : rs["metadata"].value("ownerReferences", Json::array()))
      if (o.value("name", "") == name) ++n;
  return n;
}

std::string Annotation(OperatorEnv& env, const std::string& ns,
                       const std::string& name, std::string_view key,
                       bool pod_template = false) {
  auto d = env.client().Get(kDeploymentsR, {ns, name});
  if (!d) return "";
  const Json& meta =
      pod_template ? (*d)["spec"]["template"]["metadata"] : (*d)["metadata"];
  return meta.value("annotations", Json::object())
      .value(std::string(key), std::string());
}

TEST(ReloadIntegration, OneRolloutPerDataChangeNoneForUnchangedWrites) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start({"--reload-workloads", "--reload-window=3s"});
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  std::string canary(kCanary);
  auto set_password = [&](const std::string& v) {
    ASSERT_TRUE(env.Apply(env.SealedSecret("db", {{"password", v}}, *r)));
  };
  auto wait_value = [&](const std::string& v) {
    return Eventually([&] { return env.SecretValue("db", "password") == v; });
  };
  set_password(canary + "-1");
  ASSERT_TRUE(wait_value(canary + "-1"));
  ASSERT_TRUE(env.client().Create(kDeploymentsR,
                                  Deployment(env.ns(), "app", "true", "db")));
  // A tenant of another namespace names the same Secret.
  ASSERT_TRUE(env.client().Create(
      kDeploymentsR, Deployment(env.ns2(), "intruder", "db", "db")));
  auto observed = [&] {
    return Annotation(env, env.ns(), "app", names::kReloadObservedAnnotation);
  };
  ASSERT_TRUE(Eventually([&] {
    return observed().starts_with("db=") &&
           ReplicaSets(env, env.ns(), "app") == 1;
  })) << "first sight records the Secret without a restart";
  std::string o1 = observed();

  // A data change: exactly one new ReplicaSet, the Event names the Secret.
  set_password(canary + "-2");
  ASSERT_TRUE(Eventually([&] {
    return ReplicaSets(env, env.ns(), "app") == 2 && observed() != o1;
  }));
  std::string o2 = observed();
  EXPECT_EQ(
      Annotation(env, env.ns(), "app", names::kRestartedForAnnotation, true),
      "db");
  EXPECT_TRUE(Eventually([&] {
    return env.EventsText().find(
               "rolling restart: data of Secret db changed") !=
           std::string::npos;
  })) << env.EventsText();

  // Writes that leave the data as it was: the same value sealed afresh, and
  // a label on the Secret. Then a real change: one more ReplicaSet, not two.
  set_password(canary + "-2");
  ASSERT_TRUE(env.client().MergePatch(
      kube::kSecrets, {env.ns(), "db"},
      {{"metadata", {{"labels", {{"touched", "yes"}}}}}}));
  set_password(canary + "-3");
  ASSERT_TRUE(wait_value(canary + "-3"));
  ASSERT_TRUE(Eventually([&] { return observed() != o2; }));
  EXPECT_EQ(ReplicaSets(env, env.ns(), "app"), 3);
  std::string o3 = observed();

  // A burst of three changes within the window: one restart.
  set_password(canary + "-4");
  set_password(canary + "-5");
  set_password(canary + "-6");
  ASSERT_TRUE(wait_value(canary + "-6"));
  ASSERT_TRUE(Eventually([&] { return observed() != o3; }));
  EXPECT_EQ(ReplicaSets(env, env.ns(), "app"), 4);

  // The intruder in ns2 was never restarted nor recorded db (its namespace
  // has no managed Secret db).
  EXPECT_EQ(ReplicaSets(env, env.ns2(), "intruder"), 1);
  EXPECT_EQ(
      Annotation(env, env.ns2(), "intruder", names::kReloadObservedAnnotation),
      "");
  EXPECT_EQ(Annotation(env, env.ns2(), "intruder",
                       names::kRestartedForAnnotation, true),
            "");
  // No value anywhere a user reads.
  auto app = env.client().Get(kDeploymentsR, {env.ns(), "app"});
  ASSERT_TRUE(app);
  EXPECT_EQ(app->dump().find(canary), std::string::npos);
  EXPECT_EQ(env.EventsText().find(canary), std::string::npos);
  EXPECT_EQ(op->Log().find(canary), std::string::npos);
}

TEST(ReloadIntegration, OffUnlessEnabled) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  auto op = env.Start();
  ASSERT_TRUE(op);
  auto r = env.NewestRecipient();
  ASSERT_TRUE(r);
  ASSERT_TRUE(env.Apply(env.SealedSecret("db", {{"password", "a"}}, *r)));
  ASSERT_TRUE(
      Eventually([&] { return env.SecretValue("db", "password") == "a"; }));
  ASSERT_TRUE(env.client().Create(kDeploymentsR,
                                  Deployment(env.ns(), "app", "true", "db")));
  ASSERT_TRUE(
      Eventually([&] { return ReplicaSets(env, env.ns(), "app") == 1; }));
  ASSERT_TRUE(env.Apply(env.SealedSecret("db", {{"password", "b"}}, *r)));
  ASSERT_TRUE(
      Eventually([&] { return env.SecretValue("db", "password") == "b"; }));
  // The operator's log says what it started; no reload controller.
  EXPECT_EQ(op->Log().find("reload controller started"), std::string::npos);
  EXPECT_EQ(Annotation(env, env.ns(), "app", names::kReloadObservedAnnotation),
            "");
  EXPECT_EQ(ReplicaSets(env, env.ns(), "app"), 1);
}

}  // namespace
}  // namespace sealsync::testing
