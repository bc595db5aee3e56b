#include "operator/target_consent.h"

#include <gtest/gtest.h>

#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

Json SecretWith(Json owner_refs, Json annotations, Json labels = nullptr) {
  Json meta = {{"name", "db"}, {"namespace", "team-a"}};
  if (!owner_refs.is_null()) meta["ownerReferences"] = std::move(owner_refs);
  if (!annotations.is_null()) meta["annotations"] = std::move(annotations);
  if (!labels.is_null()) meta["labels"] = std::move(labels);
  return {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta}};
}

Json Ref(const std::string& kind, const std::string& uid, bool controller) {
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", kind},
          {"name", "db"},
          {"uid", uid},
          {"controller", controller}};
}

Json Owner(const std::string& value) {
  return {{std::string(names::kOwnerAnnotation), value}};
}

TEST(TargetConsentTest, DecidedOnTheSecretNeverByLabel) {
  const std::string uid = "uid-1";
  struct Case {
    std::string what;
    Json secret;
    std::string kind;
    Consent want;
  };
  const Case cases[] = {
      {"controller ref with our uid",
       SecretWith({Ref("SealedSecret", uid, true)}, nullptr), "SealedSecret",
       Consent::kOwned},
      {"ref with our uid but not controller",
       SecretWith({Ref("SealedSecret", uid, false)}, nullptr), "SealedSecret",
       Consent::kRefused},
      {"controller ref with another uid",
       SecretWith({Ref("SealedSecret", "uid-2", true)}, nullptr),
       "SealedSecret", Consent::kRefused},
      {"our uid under another kind",
       SecretWith({Ref("ExternalSecret", uid, true)}, nullptr), "SealedSecret",
       Consent::kRefused},
      {"annotation names us", SecretWith(nullptr, Owner("SealedSecret/db")),
       "SealedSecret", Consent::kConsented},
      {"annotation lists us among others",
       SecretWith(nullptr, Owner("ExternalSecret/a, SealedSecret/db,x/y")),
       "SealedSecret", Consent::kConsented},
      {"annotation names the other kind (M7)",
       SecretWith(nullptr, Owner("ExternalSecret/db")), "SealedSecret",
       Consent::kRefused},
      {"annotation names a prefix of us",
       SecretWith(nullptr, Owner("SealedSecret/d")), "SealedSecret",
       Consent::kRefused},
      {"managed-by label alone",
       SecretWith(nullptr, nullptr,
                  {{std::string(names::kManagedByLabel), "sealsync"}}),
       "SealedSecret", Consent::kRefused},
      {"a plain Secret", SecretWith(nullptr, nullptr), "ExternalSecret",
       Consent::kRefused},
      {"annotation not a string",
       SecretWith(nullptr, Json{{std::string(names::kOwnerAnnotation), 3}}),
       "SealedSecret", Consent::kRefused},
      {"no metadata", Json::object(), "SealedSecret", Consent::kRefused},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WriteConsent(c.secret, c.kind, "db", uid), c.want) << c.what;
  }
}

TEST(TargetConsentTest, ReservedKeysAndMessage) {
  EXPECT_TRUE(ReservedMetadataKey("sealsync.dev/owner"));
  EXPECT_TRUE(ReservedMetadataKey("sealsync.dev/anything"));
  EXPECT_FALSE(ReservedMetadataKey("app.kubernetes.io/name"));
  EXPECT_FALSE(ReservedMetadataKey("sealsync.devx/owner"));
  std::string m = NotOwnedMessage("team-a/db", "SealedSecret", "db");
  EXPECT_EQ(m,
            "Secret team-a/db exists and is not managed by this SealedSecret; "
            "to hand it over, someone who may write that Secret annotates it "
            "with sealsync.dev/owner=SealedSecret/db");
}

}  // namespace
}  // namespace sealsync::op
