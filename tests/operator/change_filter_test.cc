// ChangeFilter: status-only writes are dropped, everything a reconcile reads
// passes.
#include "operator/change_filter.h"

#include <gtest/gtest.h>

namespace sealsync::op {
namespace {

using kube::Json;
using kube::WatchEventType;

kube::ObjectPtr Obj(Json j) {
  return std::make_shared<const Json>(std::move(j));
}

Json Base() {
  return Json::parse(R"({"metadata": {"name": "db", "namespace": "a",
    "uid": "u1", "generation": 1, "resourceVersion": "10",
    "labels": {"app": "web"}, "annotations": {"x": "1"}},
    "spec": {"encryptedData": {"k": "v"}}})");
}

TEST(ChangeFilter, StatusOnlyWritesAreDropped) {
  ChangeFilter f;
  EXPECT_TRUE(f.Changed(WatchEventType::kAdded, "a/db", Obj(Base())));
  Json status = Base();
  status["metadata"]["resourceVersion"] = "11";
  status["metadata"]["managedFields"] =
      Json::array({{{"manager", "sealsync"}}});
  status["status"] = {{"observedGeneration", 1}};
  EXPECT_FALSE(f.Changed(WatchEventType::kModified, "a/db", Obj(status)));
}

TEST(ChangeFilter, WhatAReconcileReadsPasses) {
  struct Case {
    const char* name;
    void (*edit)(Json&);
  };
  const Case cases[] = {
      {"spec (generation)", [](Json& j) { j["metadata"]["generation"] = 2; }},
      {"label", [](Json& j) { j["metadata"]["labels"]["app"] = "api"; }},
      {"annotation",
       [](Json& j) { j["metadata"]["annotations"]["example.com/note"] = "x"; }},
      {"annotation removed",
       [](Json& j) { j["metadata"].erase("annotations"); }},
      {"deletion",
       [](Json& j) {
         j["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
       }},
      {"recreated (uid)", [](Json& j) { j["metadata"]["uid"] = "u2"; }},
  };
  for (const Case& c : cases) {
    ChangeFilter f;
    ASSERT_TRUE(f.Changed(WatchEventType::kAdded, "a/db", Obj(Base())));
    Json changed = Base();
    c.edit(changed);
    EXPECT_TRUE(f.Changed(WatchEventType::kModified, "a/db", Obj(changed)))
        << c.name;
    // And the new state is remembered: the same again is status-only.
    EXPECT_FALSE(f.Changed(WatchEventType::kModified, "a/db", Obj(changed)))
        << c.name;
  }
}

TEST(ChangeFilter, AddedAndRelistAlwaysPassDeletedForgets) {
  ChangeFilter f;
  EXPECT_TRUE(f.Changed(WatchEventType::kAdded, "a/db", Obj(Base())));
  EXPECT_TRUE(f.Changed(WatchEventType::kAdded, "a/db", Obj(Base())));
  EXPECT_EQ(f.Size(), 1u);
  EXPECT_TRUE(f.Changed(WatchEventType::kDeleted, "a/db", Obj(Base())));
  EXPECT_EQ(f.Size(), 0u);
  // Unknown key (e.g. the filter started after the cache): passes.
  EXPECT_TRUE(f.Changed(WatchEventType::kModified, "a/other", Obj(Base())));
}

}  // namespace
}  // namespace sealsync::op
