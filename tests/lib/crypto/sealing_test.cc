// SealValue / UnsealValue: scope binding in both formats, key hints, and the
// distinct error classes (no key / scope / tampered / malformed).
#include "sealsync/sealing.h"

#include <gtest/gtest.h>

#include "lib/base/base64.h"
#include "tests/fake_random.h"

namespace sealsync {
namespace {

using testing::FakeRandom;

constexpr std::string_view kCanary = "canary-7f3a9c-do-not-log";

struct Fixture {
  FakeRandom rnd{11};
  std::vector<X25519Identity> keys = {X25519Identity::Generate(rnd),
                                      X25519Identity::Generate(rnd)};
  X25519Identity other = X25519Identity::Generate(rnd);
  std::vector<X25519Recipient> Recipients(size_t i) {
    return {keys[i].recipient()};
  }
};

const ScopeBinding kStrictA{Scope::kStrict, "team-a", "db"};
const ScopeBinding kStrictB{Scope::kStrict, "team-b", "db"};
const ScopeBinding kNsA{Scope::kNamespace, "team-a", ""};
const ScopeBinding kCluster{Scope::kCluster, "", ""};

class BothFormats : public ::testing::TestWithParam<SealFormat> {};

TEST_P(BothFormats, ScopeMatrix) {
  Fixture f;
  struct Case {
    ScopeBinding sealed_for, used_as;
    bool ok;
  };
  const std::vector<Case> cases = {
      {kStrictA, kStrictA, true},
      {kStrictA, kStrictB, false},
      {kStrictA, {Scope::kStrict, "team-a", "other"}, false},
      {kStrictA, kNsA, false},
      {kStrictA, kCluster, false},
      {kNsA, kNsA, true},
      {kNsA, {Scope::kNamespace, "team-b", ""}, false},
      {kNsA, kStrictA, false},
      {kCluster, kCluster, true},
      {kCluster, kStrictA, false},
  };
  for (const Case& c : cases) {
    auto v = SealValue(AsBytes(kCanary), f.Recipients(0), c.sealed_for,
                       GetParam(), f.rnd);
    ASSERT_TRUE(v.has_value()) << v.error().message();
    EXPECT_EQ(v->find(kCanary), std::string::npos);
    auto u = UnsealValue(*v, f.keys, c.used_as);
    std::string label =
        c.sealed_for.ToString() + " used as " + c.used_as.ToString();
    if (c.ok) {
      ASSERT_TRUE(u.has_value()) << label << ": " << u.error().message();
      EXPECT_EQ(AsString(u->plaintext), kCanary);
      EXPECT_EQ(u->binding, c.sealed_for);
      EXPECT_EQ(u->key_id, f.keys[0].recipient().KeyId());
    } else {
      ASSERT_FALSE(u.has_value()) << label;
      EXPECT_EQ(u.error().code(), ErrorCode::kPermissionDenied) << label;
      EXPECT_NE(u.error().message().find(c.sealed_for.ToString()),
                std::string::npos)
          << u.error().message();
      EXPECT_EQ(u.error().message().find(kCanary), std::string::npos);
    }
  }
}

TEST_P(BothFormats, WithoutExpectationScopeIsVerifiedAndStripped) {
  Fixture f;
  auto v =
      SealValue(AsBytes(kCanary), f.Recipients(1), kStrictA, GetParam(), f.rnd);
  ASSERT_TRUE(v.has_value());
  auto u = UnsealValue(*v, f.keys, std::nullopt);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(AsString(u->plaintext), kCanary);
  EXPECT_EQ(u->key_id, f.keys[1].recipient().KeyId());
}

TEST_P(BothFormats, NoKeyOfMineNamesTheKeyIds) {
  Fixture f;
  std::vector<X25519Recipient> others = {f.other.recipient()};
  auto v = SealValue(AsBytes(kCanary), others, kStrictA, GetParam(), f.rnd);
  ASSERT_TRUE(v.has_value());
  auto u = UnsealValue(*v, f.keys, kStrictA);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(u.error().message().find(f.other.recipient().KeyId()),
            std::string::npos)
      << u.error().message();
  EXPECT_NE(u.error().message().find(f.keys[0].recipient().KeyId()),
            std::string::npos);
}

TEST_P(BothFormats, TamperedValueIsDataLoss) {
  Fixture f;
  auto v =
      SealValue(AsBytes(kCanary), f.Recipients(0), kStrictA, GetParam(), f.rnd);
  ASSERT_TRUE(v.has_value());
  // Flip a bit near the end of the binary (the payload / box).
  size_t prefix = GetParam() == SealFormat::kSodium ? v->rfind(':') + 1 : 0;
  auto bytes = Base64Decode(std::string_view(*v).substr(prefix));
  ASSERT_TRUE(bytes.has_value());
  bytes->at(bytes->size() - 3) ^= 0x10;
  std::string tampered = v->substr(0, prefix) + Base64Encode(*bytes);
  auto u = UnsealValue(tampered, f.keys, kStrictA);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), ErrorCode::kDataLoss) << u.error().message();
  EXPECT_EQ(u.error().message().find(kCanary), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Formats, BothFormats,
                         ::testing::Values(SealFormat::kAge,
                                           SealFormat::kSodium));

TEST(Sealing, AgeValueForSeveralClusters) {
  Fixture f;
  std::vector<X25519Recipient> both = {f.keys[0].recipient(),
                                       f.other.recipient()};
  auto v = SealValue(AsBytes("x"), both, kNsA, SealFormat::kAge, f.rnd);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(UnsealValue(*v, f.keys, kNsA).has_value());
  std::vector<X25519Identity> other = {f.other};
  EXPECT_TRUE(UnsealValue(*v, other, kNsA).has_value());
}

TEST(Sealing, ScopeStanzaCannotBeRewritten) {
  Fixture f;
  auto v = SealValue(AsBytes(kCanary), f.Recipients(0), kStrictA,
                     SealFormat::kAge, f.rnd);
  ASSERT_TRUE(v.has_value());
  auto file = Base64Decode(*v);
  std::string s(file->begin(), file->end());
  size_t at = s.find("strict team-a/db");
  ASSERT_NE(at, std::string::npos);
  s.replace(at, 16, "strict team-b/db");
  auto u = UnsealValue(Base64Encode(AsBytes(s)), f.keys, kStrictB);
  ASSERT_FALSE(u.has_value());
  EXPECT_EQ(u.error().code(), ErrorCode::kDataLoss);
  EXPECT_EQ(u.error().message(), "header MAC failed");
}

TEST(Sealing, BareValuesOnlyUnderClusterScope) {
  Fixture f;
  // A plain age file with no scope stanza, as `age -r` makes.
  const AgeRecipient* rs[] = {&f.keys[0].recipient()};
  auto file = AgeEncrypt(AsBytes("bare"), rs, f.rnd);
  ASSERT_TRUE(file.has_value());
  std::string v = Base64Encode(*file);
  EXPECT_TRUE(UnsealValue(v, f.keys, kCluster).has_value());
  auto strict = UnsealValue(v, f.keys, kStrictA);
  ASSERT_FALSE(strict.has_value());
  EXPECT_EQ(strict.error().code(), ErrorCode::kPermissionDenied);
  // Armored input is accepted too.
  EXPECT_TRUE(UnsealValue(std::string("-----BEGIN AGE ENCRYPTED FILE-----\n") +
                              "garbage\n-----END AGE ENCRYPTED FILE-----\n",
                          f.keys, kCluster)
                  .error()
                  .code() == ErrorCode::kInvalidArgument);
}

TEST(Sealing, MalformedValues) {
  Fixture f;
  for (const char* v : {"", "not base64!", "sodium:", "sodium:abc:!!",
                        "c29tZXRoaW5nIGVsc2U="}) {
    auto u = UnsealValue(v, f.keys, kCluster);
    ASSERT_FALSE(u.has_value()) << v;
    EXPECT_EQ(u.error().code(), ErrorCode::kInvalidArgument)
        << v << ": " << u.error().message();
  }
}

TEST(Sealing, InvalidBindingsAreRefusedWhenSealing) {
  Fixture f;
  const std::vector<ScopeBinding> bad = {
      {Scope::kStrict, "team-a", ""},      {Scope::kStrict, "", "db"},
      {Scope::kStrict, "Team-A", "db"},    {Scope::kStrict, "a b", "db"},
      {Scope::kNamespace, "team-a", "db"}, {Scope::kCluster, "team-a", ""},
  };
  for (const auto& b : bad) {
    auto v =
        SealValue(AsBytes("x"), f.Recipients(0), b, SealFormat::kAge, f.rnd);
    EXPECT_FALSE(v.has_value()) << b.ToString();
  }
  EXPECT_FALSE(SealValue(AsBytes("x"), std::vector<X25519Recipient>{}, kStrictA,
                         SealFormat::kAge, f.rnd)
                   .has_value());
  std::vector<X25519Recipient> two = {f.keys[0].recipient(),
                                      f.keys[1].recipient()};
  EXPECT_FALSE(
      SealValue(AsBytes("x"), two, kStrictA, SealFormat::kSodium, f.rnd)
          .has_value());
}

TEST(Sealing, ParseScopeAcceptsCrdAndFlagSpellings) {
  EXPECT_EQ(ParseScope("Strict"), Scope::kStrict);
  EXPECT_EQ(ParseScope("namespace"), Scope::kNamespace);
  EXPECT_EQ(ParseScope("Cluster"), Scope::kCluster);
  EXPECT_FALSE(ParseScope("global").has_value());
}

}  // namespace
}  // namespace sealsync
