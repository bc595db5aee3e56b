// Migrating from Bitnami sealed-secrets and ESO on the real control plane: the
// controller's key imported with `sealctl keys import-bitnami`, then the
// very file kubeseal wrote, with only its apiVersion changed, applied with
// strict field validation (as kubectl does) becomes its Secret; a copy under
// another name is refused (NoMatchingKey), the value never leaks.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "lib/api/manifest.h"
#include "sealsync/age.h"
#include "sealsync/bitnami.h"
#include "sealsync/names.h"
#include "sealsync/random.h"
#include "tests/operator/operator_env.h"
#include "tests/support/files.h"

namespace sealsync::testing {
namespace {

using kube::Json;
using namespace std::chrono_literals;

const kube::Resource kSealed{"sealsync.dev", "v1alpha1", "sealedsecrets", true};
constexpr std::string_view kLegacyValue = "bitnami-canary-5a1e-never-log";

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

// Runs `argv` (no shell quoting needed: paths and flags only) with `in` on
// stdin, through files in `dir`.
Ran RunProcess(const std::vector<std::string>& argv, const std::string& in = "",
               const std::string& dir = "/tmp") {
  static int n = 0;
  std::string base =
      dir + "/run-" + std::to_string(getpid()) + "-" + std::to_string(++n);
  std::ofstream(base + ".in", std::ios::binary) << in;
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  cmd += "< " + base + ".in > " + base + ".out 2> " + base + ".err";
  int rc = std::system(cmd.c_str());
  Ran r{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ReadFile(base + ".out"),
        ReadFile(base + ".err")};
  for (const char* ext : {".in", ".out", ".err"})
    std::filesystem::remove(base + ext);
  return r;
}

std::string Kubeseal() {
  Ran r = RunProcess({"bash",
                      std::string(SEALSYNC_SOURCE_DIR) + "/scripts/kubeseal.sh",
                      "path"});
  return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : "";
}

// The control plane, the real kubeseal and openssl (a missing one fails in
// CI, skips elsewhere), a temp dir, and a Bitnami controller key in it.
class BitnamiMigration : public ::testing::Test {
 protected:
  void SetUp() override {
    cp_ = ControlPlane::Shared();
    kubeseal_ = Kubeseal();
    if (cp_ == nullptr || kubeseal_.empty() ||
        RunProcess({"openssl", "version"}).exit_code != 0) {
      const char* ci = getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "control plane, kubeseal or openssl missing and CI=true";
      GTEST_SKIP() << "control plane or kubeseal missing "
                      "(bash scripts/kubeseal.sh build)";
    }
    char tmpl[] = "/tmp/sealsync-bitnami-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    key_ = dir_ + "/tls.key";
    cert_ = dir_ + "/tls.crt";
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // key_ (RSA of `bits`) and its self-signed cert_, as the controller has.
  void MakeKey(int bits) {
    ASSERT_EQ(
        RunProcess({"openssl", "genrsa", "-out", key_, std::to_string(bits)})
            .exit_code,
        0);
    ASSERT_EQ(RunProcess({"openssl", "req", "-x509", "-new", "-key", key_,
                          "-subj", "/CN=sealed-secret/O=sealed-secret", "-days",
                          "3650", "-out", cert_})
                  .exit_code,
              0);
  }

  // `sealctl keys import-bitnami` into the operator's namespace of `env`.
  void ImportKey(OperatorEnv& env) {
    Ran r = RunProcess({SEALCTL_BINARY, "keys", "import-bitnami", "-f", key_,
                        "--controller-namespace", env.op_ns(), "--kubeconfig",
                        cp_->kubeconfig()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  ControlPlane* cp_ = nullptr;
  std::string kubeseal_, dir_, key_, cert_;
};

TEST_F(BitnamiMigration, ChangedApiVersionIsEnoughAfterImportingTheKey) {
  ASSERT_NO_FATAL_FAILURE(MakeKey(4096));
  const std::string &kubeseal = kubeseal_, &dir = dir_, &key = key_,
                    &cert = cert_;
  OperatorEnv env(cp_);
  X25519Identity glass = X25519Identity::Generate(SystemRandom());
  auto op =
      env.Start({"--break-glass-recipient", glass.recipient().ToString()});
  ASSERT_TRUE(op);
  ASSERT_NO_FATAL_FAILURE(ImportKey(env));

  // What a Bitnami user has in git: kubeseal's output, strict and
  // namespace-wide.
  auto seal = [&](const std::string& name, const std::string& scope) {
    std::string secret =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
        "\n  namespace: " + env.ns() +
        "\ntype: kubernetes.io/basic-auth\nstringData:\n"
        "  password: " +
        std::string(kLegacyValue) + "\n";
    Ran r = RunProcess({"env", "KUBECONFIG=/nonexistent", kubeseal, "--cert",
                        cert, "--scope", scope, "-o", "yaml"},
                       secret);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string text = r.out;
    size_t at = text.find("bitnami.com/v1alpha1");
    EXPECT_NE(at, std::string::npos);
    text.replace(at, std::string("bitnami.com/v1alpha1").size(),
                 "sealsync.dev/v1alpha1");
    auto doc = api::ParseManifest(text, api::Scalars::kTyped);
    EXPECT_TRUE(doc.has_value());
    return doc ? Json::parse(doc->dump()) : Json();
  };
  Json strict = seal("legacy", "strict");
  Json wide = seal("legacy-wide", "namespace-wide");
  // kubeseal writes spec.template.metadata {name, namespace,
  // creationTimestamp: null}: all accepted under strict validation.
  ASSERT_TRUE(strict["spec"]["template"]["metadata"].contains("name"));
  for (const Json& obj : {strict, wide}) {
    auto applied = env.client().Apply(kSealed, obj, {"kubectl", true, true});
    ASSERT_TRUE(applied.has_value()) << applied.error().message();
  }
  std::map<std::string, Json> synced;
  for (const char* name : {"legacy", "legacy-wide"}) {
    auto obj = env.WaitForSecretAndStatus(kSealed, name, [&] {
      return env.SecretValue(name, "password") == std::string(kLegacyValue);
    });
    ASSERT_TRUE(obj.has_value())
        << name << ": " << (env.Ready(name) ? env.Ready(name)->dump() : "")
        << op->Log();
    synced[name] = *obj;
  }
  auto s = env.client().Get(kube::kSecrets, {env.ns(), "legacy"});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ((*s)["type"], "kubernetes.io/basic-auth");
  const Json& key_ids =
      synced["legacy"]["status"].value("keyIds", Json::array());
  std::string key_id = !key_ids.empty() && key_ids[0].is_string()
                           ? key_ids[0].get<std::string>()
                           : "";
  EXPECT_TRUE(key_id.starts_with("bitnami:")) << key_id;

  // The imported key is counted, and backed up to the break-glass recipient
  // like any key: the backup opens to the same key.
  auto bkey = bitnami::PrivateKey::FromPem(ReadFile(key));
  ASSERT_TRUE(bkey.has_value());
  EXPECT_NE(op->Get("/metrics").find("sealsync_bitnami_keys 1"),
            std::string::npos);
  std::string armored;
  ASSERT_TRUE(Eventually([&] {
    auto cm = env.client().Get(
        kube::kConfigMaps,
        {env.op_ns(), std::string(names::kKeyBackupConfigMap)});
    if (!cm) return false;
    std::string entry = bkey->key_id();
    entry.replace(entry.find(':'), 1, "-");  // bitnami-<hex16>.age
    armored = (*cm)["data"].value(entry + ".age", "");
    return !armored.empty();
  }));
  const AgeIdentity* ids[] = {&glass};
  auto restored = AgeDecrypt(AsBytes(armored), ids);
  ASSERT_TRUE(restored.has_value()) << restored.error().message();
  auto back = bitnami::PrivateKey::FromPem(AsString(restored->plaintext));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->key_id(), bkey->key_id());

  // The strict value copied under another name: refused, precisely.
  Json copy = strict;
  copy["metadata"]["name"] = "legacy-copy";
  ASSERT_TRUE(env.client().Apply(kSealed, copy, {"kubectl", true, true}));
  EXPECT_TRUE(Eventually([&] {
    auto c = env.Ready("legacy-copy");
    return c && (*c)["reason"] == "NoMatchingKey" &&
           (*c)["message"].get<std::string>().find(
               "Bitnami-format value: no imported Bitnami key matches") !=
               std::string::npos;
  })) << (env.Ready("legacy-copy") ? env.Ready("legacy-copy")->dump() : "");
  EXPECT_FALSE(env.SecretValue("legacy-copy", "password").has_value());

  // kubeseal's `--cert URL` habit: sealctl takes the operator's recipients
  // URL the same way, and what it seals syncs.
  Ran fresh = RunProcess(
      {SEALCTL_BINARY, "seal", "--cert",
       "http://" + op->api + "/v1/recipients"},
      "apiVersion: v1\nkind: Secret\nmetadata: {name: fresh, namespace: " +
          env.ns() + "}\nstringData: {password: new-one}\n");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  auto fresh_doc = api::ParseManifest(fresh.out, api::Scalars::kTyped);
  ASSERT_TRUE(fresh_doc.has_value());
  ASSERT_TRUE(env.client().Apply(kSealed, Json::parse(fresh_doc->dump()),
                                 {"kubectl", true, true}));
  EXPECT_TRUE(Eventually(
      [&] { return env.SecretValue("fresh", "password") == "new-one"; }));

  // sealctl migrate bitnami through the operator (its imported key): the
  // file becomes sealsync's own format; applied, the Secret stays the same.
  Json before = *env.client().Get(kube::kSecrets, {env.ns(), "legacy"});
  Json bitnami_file = strict;
  bitnami_file["apiVersion"] = "bitnami.com/v1alpha1";
  std::ofstream(dir + "/legacy.json") << bitnami_file.dump();
  Ran migrated = RunProcess({SEALCTL_BINARY, "migrate", "bitnami", "-f",
                             dir + "/legacy.json", "--controller-url",
                             "http://" + op->api});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_EQ(migrated.out.find(kLegacyValue), std::string::npos);
  auto doc = api::ParseManifest(migrated.out, api::Scalars::kTyped);
  ASSERT_TRUE(doc.has_value()) << doc.error().message();
  Json now = Json::parse(doc->dump());
  EXPECT_EQ(now["apiVersion"], "sealsync.dev/v1alpha1");
  ASSERT_TRUE(env.client().Apply(kSealed, now, {"kubectl", true, true}));
  EXPECT_TRUE(Eventually([&] {
    auto o = env.client().Get(kSealed, {env.ns(), "legacy"});
    return o &&
           o->value("status", Json::object())
                   .value("keyIds", Json::array())
                   .dump()
                   .find("bitnami:") == std::string::npos &&
           o->value("status", Json::object()).contains("keyIds");
  }));
  auto after = env.client().Get(kube::kSecrets, {env.ns(), "legacy"});
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ((*after)["data"], before["data"]);

  EXPECT_EQ(op->Log().find(kLegacyValue), std::string::npos);
  EXPECT_EQ(env.EventsText().find(kLegacyValue), std::string::npos);
}

// A namespace of 200 Bitnami SealedSecrets moved at once: each Secret
// Bitnami's controller made (here: made by an admin, with the consent
// annotation the runbook adds) keeps its data and its identity (same UID:
// never deleted and recreated), and sealsync owns it afterwards.
TEST_F(BitnamiMigration, TwoHundredSecretsStayByteIdentical) {
  constexpr int kCount = 200;
  ASSERT_NO_FATAL_FAILURE(MakeKey(2048));
  const std::string &kubeseal = kubeseal_, &cert = cert_;
  OperatorEnv env(cp_);
  auto op = env.Start();
  ASSERT_TRUE(op);
  ASSERT_NO_FATAL_FAILURE(ImportKey(env));
  // The Secrets as they are in the cluster before the move, and the
  // kubeseal stream that made them.
  std::string stream;
  std::map<std::string, Json> before;
  for (int i = 0; i < kCount; ++i) {
    std::string name = "s" + std::to_string(i);
    std::string value = "value-" + std::to_string(i * 7919);
    Json s = {
        {"apiVersion", "v1"},
        {"kind", "Secret"},
        {"metadata",
         {{"name", name},
          {"namespace", env.ns()},
          {"annotations",
           {{std::string(names::kOwnerAnnotation), "SealedSecret/" + name}}}}},
        {"stringData", {{"password", value}}}};
    auto made = env.client().Create(kube::kSecrets, s);
    ASSERT_TRUE(made.has_value()) << made.error().message();
    before[name] = *made;
    stream += "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: " + name +
              "\n  namespace: " + env.ns() +
              "\nstringData:\n  password: " + value + "\n";
  }
  Ran sealed = RunProcess({"env", "KUBECONFIG=/nonexistent", kubeseal, "--cert",
                           cert, "-o", "yaml"},
                          stream);
  ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
  auto docs = api::ParseManifests(sealed.out, api::Scalars::kTyped);
  ASSERT_TRUE(docs.has_value()) << docs.error().message();
  ASSERT_EQ(docs->size(), static_cast<size_t>(kCount));
  for (auto& d : *docs) {
    Json obj = Json::parse(d.dump());
    obj["apiVersion"] = "sealsync.dev/v1alpha1";  // the one-line change
    ASSERT_TRUE(env.client().Apply(kSealed, obj, {"kubectl", true, true}));
  }
  // Every SealedSecret synced, and every Secret still the same object with
  // the same data, now owned by its SealedSecret.
  EXPECT_TRUE(Eventually(
      [&] {
        auto list = env.client().List(kSealed, env.ns(), {});
        if (!list) return false;
        int synced = 0;
        for (const auto& o : list->items) {
          for (const auto& c : o.value("status", Json::object())
                                   .value("conditions", Json::array()))
            if (c.value("reason", "") == "Synced") ++synced;
        }
        return synced == kCount;
      },
      120s));
  int same = 0;
  for (const auto& [name, was] : before) {
    auto now = env.client().Get(kube::kSecrets, {env.ns(), name});
    ASSERT_TRUE(now.has_value()) << name;
    EXPECT_EQ((*now)["metadata"]["uid"], was["metadata"]["uid"]) << name;
    EXPECT_EQ((*now)["data"], was["data"]) << name;
    if ((*now)["data"] == was["data"] &&
        (*now)["metadata"].contains("ownerReferences"))
      ++same;
  }
  EXPECT_EQ(same, kCount);
}

// sealctl migrate eso's output is what the real API server takes under
// strict field validation: ESO objects move by conversion, not by hand.
TEST(EsoMigration, ConvertedObjectsApplyStrictly) {
  SEALSYNC_REQUIRE_CONTROL_PLANE(cp);
  OperatorEnv env(cp);
  Ran r = RunProcess({SEALCTL_BINARY, "migrate", "eso", "-f",
                      std::string(SEALSYNC_SOURCE_DIR) +
                          "/tests/testdata/sealctl/fixtures/eso-objects.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto docs = api::ParseManifests(r.out, api::Scalars::kTyped);
  ASSERT_TRUE(docs.has_value()) << docs.error().message();
  ASSERT_EQ(docs->size(), 2u);
  const kube::Resource kStores{"sealsync.dev", "v1alpha1", "secretstores",
                               true};
  const kube::Resource kExternal{"sealsync.dev", "v1alpha1", "externalsecrets",
                                 true};
  for (const auto& d : *docs) {
    Json obj = Json::parse(d.dump());
    obj["metadata"]["namespace"] = env.ns();
    const kube::Resource& res =
        obj["kind"] == "SecretStore" ? kStores : kExternal;
    auto applied = env.client().Apply(res, obj, {"kubectl", true, true});
    EXPECT_TRUE(applied.has_value())
        << obj["kind"] << ": " << applied.error().message();
  }
}

}  // namespace
}  // namespace sealsync::testing
