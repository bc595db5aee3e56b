// Bitnami-format values (sealsync/bitnami.h): what kubeseal writes, opened
// with an imported key, bound to the scope's OAEP label. The interop test
// (tests/interop/kubeseal_interop_test.cc) checks the same against the real
// kubeseal; here the format's edges, with the test-only sealer.
#include "sealsync/bitnami.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lib/base/base64.h"
#include "sealsync/random.h"

namespace sealsync::bitnami {
namespace {

// A fresh RSA key as PKCS #8 PEM (what kubeseal's controller generates,
// though it stores PKCS #1; both parse).
std::string NewKeyPem(int bits) {
  EVP_PKEY* k = EVP_RSA_gen(static_cast<unsigned>(bits));
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(k);
  return pem;
}

const PrivateKey& Key2048() {
  static const PrivateKey k = *PrivateKey::FromPem(NewKeyPem(2048));
  return k;
}

const ScopeBinding kStrict{Scope::kStrict, "team-a", "db"};
const ScopeBinding kNamespace{Scope::kNamespace, "team-a", ""};
const ScopeBinding kCluster{Scope::kCluster, "", ""};

TEST(Bitnami, LabelsAreKubesealsScopes) {
  EXPECT_EQ(Label(kStrict), "team-a/db");
  EXPECT_EQ(Label(kNamespace), "team-a");
  EXPECT_EQ(Label(kCluster), "");
}

TEST(Bitnami, RoundTripsEveryScopeAndSize) {
  const PrivateKey keys[] = {Key2048()};
  for (const ScopeBinding& b : {kStrict, kNamespace, kCluster}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{4096}}) {
      std::string plain(size, 'v');
      auto sealed = SealForTest(AsBytes(plain), Key2048(), b, SystemRandom());
      ASSERT_TRUE(sealed.has_value());
      EXPECT_TRUE(LooksLikeBitnami(*sealed));
      auto opened = Open(*sealed, keys, b);
      ASSERT_TRUE(opened.has_value()) << opened.error().message();
      EXPECT_EQ(AsString(opened->plaintext), plain);
      EXPECT_EQ(opened->key_id, Key2048().key_id());
    }
  }
}

TEST(Bitnami, OtherScopeOrKeyIsNoMatchingKey) {
  const PrivateKey keys[] = {Key2048()};
  auto sealed = SealForTest(AsBytes(std::string("canary-b1t")), Key2048(),
                            kStrict, SystemRandom());
  ASSERT_TRUE(sealed.has_value());
  for (const ScopeBinding& other :
       {ScopeBinding{Scope::kStrict, "team-a", "other"}, kNamespace,
        kCluster}) {
    auto o = Open(*sealed, keys, other);
    ASSERT_FALSE(o.has_value());
    EXPECT_EQ(o.error().code(), ErrorCode::kNotFound);
    EXPECT_NE(o.error().message().find("no imported Bitnami key matches"),
              std::string::npos);
    EXPECT_EQ(o.error().message().find("canary-b1t"), std::string::npos);
  }
  auto none = Open(*sealed, {}, kStrict);
  EXPECT_EQ(none.error().code(), ErrorCode::kNotFound);
}

TEST(Bitnami, TamperedPayloadIsDataLoss) {
  const PrivateKey keys[] = {Key2048()};
  auto sealed = SealForTest(AsBytes(std::string("payload")), Key2048(), kStrict,
                            SystemRandom());
  auto raw = *Base64Decode(*sealed);
  raw.back() ^= 1;  // the GCM tag
  auto o = Open(Base64Encode(raw), keys, kStrict);
  ASSERT_FALSE(o.has_value());
  EXPECT_EQ(o.error().code(), ErrorCode::kDataLoss);
}

TEST(Bitnami, OtherFormatsAreNotMistakenForIt) {
  EXPECT_FALSE(LooksLikeBitnami("sodium:AAAA"));
  EXPECT_FALSE(LooksLikeBitnami(
      Base64Encode(AsBytes(std::string("age-encryption.org/v1\n-> X25519")))));
  EXPECT_FALSE(LooksLikeBitnami("not base64 at all!"));
  EXPECT_FALSE(LooksLikeBitnami(Base64Encode(AsBytes(std::string(10, 'x')))));
  EXPECT_FALSE(Open("AAAA", {}, kStrict).has_value());
}

TEST(Bitnami, KeysParseFromPemOnlyWhenRsaAndLongEnough) {
  auto k = PrivateKey::FromPem(NewKeyPem(4096));
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->bits(), 4096);
  EXPECT_TRUE(k->key_id().starts_with("bitnami:"));
  EXPECT_EQ(k->key_id().size(), 8u + 16u);
  // The same key again has the same id; the PEM round-trips.
  auto again = PrivateKey::FromPem(k->PrivatePem());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->key_id(), k->key_id());
  EXPECT_NE(k->PublicPem().find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_FALSE(PrivateKey::FromPem("garbage").has_value());
  EXPECT_FALSE(PrivateKey::FromPem(NewKeyPem(1024)).has_value());
}

}  // namespace
}  // namespace sealsync::bitnami
