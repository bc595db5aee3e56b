// RenderSecret: the Secret the operator writes for a SealedSecret, exactly;
// SecretMatches: what counts as drift.
#include <gtest/gtest.h>

#include "operator/sealed_secret_reconciler.h"

namespace sealsync::op {
namespace {

using kube::Json;

Json Owner() {
  return Json::parse(R"({"apiVersion": "sealsync.dev/v1alpha1",
    "kind": "SealedSecret",
    "metadata": {"name": "db", "namespace": "team-a", "uid": "u-1"}})");
}

api::Secret Unsealed() {
  api::Secret s;
  s.metadata.name = "db";
  s.metadata.ns = "team-a";
  s.metadata.labels = {{"app", "web"}};
  s.metadata.annotations = {{"team", "payments"}};
  s.type = "kubernetes.io/basic-auth";
  s.immutable = true;
  std::string v = "hunter2";
  s.data["password"] = SecureBytes(v.begin(), v.end());
  return s;
}

TEST(RenderSecret, WritesTheTemplateTheOwnerAndTheData) {
  Json want = Json::parse(R"({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "db", "namespace": "team-a",
      "labels": {"app": "web", "app.kubernetes.io/managed-by": "sealsync"},
      "annotations": {"team": "payments",
                      "sealsync.dev/owner": "SealedSecret/db"},
      "ownerReferences": [{"apiVersion": "sealsync.dev/v1alpha1",
        "kind": "SealedSecret", "name": "db", "uid": "u-1",
        "controller": true, "blockOwnerDeletion": true}]},
    "type": "kubernetes.io/basic-auth",
    "data": {"password": "aHVudGVyMg=="},
    "immutable": true})");
  EXPECT_EQ(RenderSecret(Unsealed(), Owner()), want);
}

TEST(RenderSecret, DefaultsToOpaqueAndLeavesImmutableOut) {
  api::Secret s = Unsealed();
  s.type.clear();
  s.immutable.reset();
  Json got = RenderSecret(s, Owner());
  EXPECT_EQ(got["type"], "Opaque");
  EXPECT_FALSE(got.contains("immutable"));
}

TEST(SecretMatches, TheRenderedSecretMatchesUntilItDrifts) {
  Json desired = RenderSecret(Unsealed(), Owner());
  Json observed = desired;
  observed["metadata"]["resourceVersion"] = "7";
  observed["metadata"]["labels"]["added-by-hand"] = "x";  // not ours: kept
  EXPECT_TRUE(SecretMatches(observed, desired));

  Json edited = observed;
  edited["data"]["password"] = "b3RoZXI=";
  EXPECT_FALSE(SecretMatches(edited, desired));
  Json unowned = observed;
  unowned["metadata"].erase("ownerReferences");
  EXPECT_FALSE(SecretMatches(unowned, desired));
  Json relabelled = observed;
  relabelled["metadata"]["labels"]["app"] = "api";
  EXPECT_FALSE(SecretMatches(relabelled, desired));
}

}  // namespace
}  // namespace sealsync::op
