// Against the real kubeseal (Bitnami sealed-secrets v0.40.0, built from Go
// modules by scripts/kubeseal.sh): what kubeseal seals, in every scope and
// for RSA-2048 and 4096 keys, opens in sealsync with the imported key, as a
// SealedSecret whose apiVersion alone was changed; wrong scope and tampered
// values are refused with their reason. Without kubeseal or openssl the
// tests skip, except under CI=true, where they fail.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "lib/base/base64.h"
#include "sealsync/api.h"
#include "sealsync/bitnami.h"
#include "sealsync/sealed_secret.h"
#include "tests/interop/process.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {

class KubesealInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult path = RunProcess(
        {"bash", std::string(SEALSYNC_SOURCE_DIR) + "/scripts/kubeseal.sh",
         "path"});
    kubeseal_ =
        path.exit_code == 0 ? path.out.substr(0, path.out.find('\n')) : "";
    if (kubeseal_.empty() || FindInPath("openssl").empty()) {
      const char* ci = getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "kubeseal or openssl missing and CI=true: run "
                  "bash scripts/kubeseal.sh build; "
               << path.err;
      GTEST_SKIP() << "kubeseal not built (bash scripts/kubeseal.sh build)";
    }
    char tmpl[] = "/tmp/sealsync-kubeseal-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // A Bitnami controller key of `bits` and its certificate (what kubeseal
  // --fetch-cert would return); the key as sealsync imports it.
  bitnami::PrivateKey MakeKey(int bits, std::string* cert_path) {
    std::string key = dir_ + "/key-" + std::to_string(bits) + ".pem";
    *cert_path = dir_ + "/cert-" + std::to_string(bits) + ".pem";
    EXPECT_EQ(
        RunProcess({"openssl", "genrsa", "-out", key, std::to_string(bits)})
            .exit_code,
        0);
    EXPECT_EQ(RunProcess({"openssl", "req", "-x509", "-new", "-key", key,
                          "-subj", "/CN=sealed-secret/O=sealed-secret", "-days",
                          "3650", "-out", *cert_path})
                  .exit_code,
              0);
    auto k = bitnami::PrivateKey::FromPem(ReadFile(key));
    EXPECT_TRUE(k.has_value());
    return *k;
  }

  // kubeseal's SealedSecret for `secret_yaml`, apiVersion changed to
  // sealsync's: the one-line migration.
  std::string Kubeseal(const std::string& secret_yaml, const std::string& cert,
                       const std::string& scope) {
    CommandResult r =
        RunProcess({"env", "KUBECONFIG=/nonexistent", kubeseal_, "--cert", cert,
                    "--scope", scope, "-o", "yaml"},
                   secret_yaml);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string out = r.out;
    size_t at = out.find("bitnami.com/v1alpha1");
    EXPECT_NE(at, std::string::npos) << out;
    if (at != std::string::npos)
      out.replace(at, std::string("bitnami.com/v1alpha1").size(),
                  "sealsync.dev/v1alpha1");
    return out;
  }

  std::string kubeseal_, dir_;
};

std::string SecretYaml(const std::string& name, const std::string& b64) {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
         "\n  namespace: team-a\ndata:\n  v: \"" + b64 + "\"\n";
}

TEST_F(KubesealInterop, KubesealValuesOpenInEveryScope) {
  for (int bits : {2048, 4096}) {
    std::string cert;
    const bitnami::PrivateKey keys[] = {MakeKey(bits, &cert)};
    for (const std::string scope :
         {"strict", "namespace-wide", "cluster-wide"}) {
      for (size_t size : {size_t{0}, size_t{1}, size_t{4096}}) {
        Bytes value(size);
        for (size_t i = 0; i < size; ++i)
          value[i] = static_cast<uint8_t>(i * 7);
        std::string sealed =
            Kubeseal(SecretYaml("db", Base64Encode(value)), cert, scope);
        auto obj = api::ParseSealedSecret(sealed);
        ASSERT_TRUE(obj.has_value()) << obj.error().message() << sealed;
        EXPECT_EQ(obj->scope, scope == "strict"           ? "Strict"
                              : scope == "namespace-wide" ? "Namespace"
                                                          : "Cluster");
        auto u = sealed::Unseal(*obj, {}, keys);
        ASSERT_TRUE(u.has_value()) << bits << " " << scope << " " << size
                                   << ": " << u.error().message();
        const SecureBytes& got = u->secret.data.at("v");
        EXPECT_EQ(Bytes(got.begin(), got.end()), value);
        ASSERT_EQ(u->key_ids.size(), 1u);
        EXPECT_EQ(u->key_ids[0], keys[0].key_id());
      }
    }
  }
}

TEST_F(KubesealInterop, WrongScopeAndTamperingAreRefusedWithTheirReason) {
  std::string cert;
  const bitnami::PrivateKey keys[] = {MakeKey(2048, &cert)};
  std::string sealed =
      Kubeseal(SecretYaml("db", "aHVudGVyMg=="), cert, "strict");
  auto obj = api::ParseSealedSecret(sealed);
  ASSERT_TRUE(obj.has_value());
  // Copied under another name: strict scope binds the name.
  api::SealedSecret moved = *obj;
  moved.metadata.name = "db-copy";
  auto m = sealed::Unseal(moved, {}, keys);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(sealed::ReasonFor(m.error()), sealed::kReasonNoMatchingKey);
  EXPECT_NE(m.error().message().find(
                "spec.encryptedData.v: Bitnami-format value: no imported "
                "Bitnami key matches"),
            std::string::npos)
      << m.error().message();
  // No Bitnami key imported: the same words.
  EXPECT_FALSE(sealed::Unseal(*obj, {}, {}).has_value());
  // The GCM part altered.
  api::SealedSecret tampered = *obj;
  Bytes raw = *Base64Decode(tampered.encrypted_data["v"]);
  raw[raw.size() - 3] ^= 0x40;
  tampered.encrypted_data["v"] = Base64Encode(raw);
  auto t = sealed::Unseal(tampered, {}, keys);
  ASSERT_FALSE(t.has_value());
  EXPECT_EQ(sealed::ReasonFor(t.error()), sealed::kReasonDecryptFailed);
  EXPECT_EQ(t.error().message().find("hunter2"), std::string::npos);
}

TEST_F(KubesealInterop, SealctlImportsTheControllersKeySecret) {
  std::string cert;
  auto key = MakeKey(2048, &cert);
  // The key Secret as `kubectl get secret -l ...sealed-secrets-key -o yaml`
  // prints it: a List of kubernetes.io/tls Secrets.
  std::string pem = key.PrivatePem();
  std::string list =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n"
      "  type: kubernetes.io/tls\n  metadata:\n    name: "
      "sealed-secrets-keyabc\n"
      "    namespace: kube-system\n    labels:\n"
      "      sealedsecrets.bitnami.com/sealed-secrets-key: active\n  data:\n"
      "    tls.crt: " +
      Base64Encode(AsBytes(ReadFile(cert))) +
      "\n    tls.key: " + Base64Encode(AsBytes(pem)) + "\n";
  std::string out = dir_ + "/imported.yaml";
  CommandResult r = RunProcess(
      {SEALCTL_BINARY, "keys", "import-bitnami", "-f", "-", "-o", out}, list);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("imported " + key.key_id()), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(r.err.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(out).permissions() &
                std::filesystem::perms::group_all,
            std::filesystem::perms::none);
  std::string text = ReadFile(out);
  EXPECT_NE(text.find("sealsync.dev/sealing-key: bitnami"), std::string::npos)
      << text;
  EXPECT_NE(text.find("imported-from: kube-system/sealed-secrets-keyabc"),
            std::string::npos);
  // A Secret without tls.key is named, not skipped.
  CommandResult bad = RunProcess(
      {SEALCTL_BINARY, "keys", "import-bitnami", "-f", "-", "-o",
       dir_ + "/other.yaml"},
      "apiVersion: v1\nkind: Secret\nmetadata: {name: x, namespace: y}\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("Secret y/x: data.tls.key: missing"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace sealsync::testing
