// The ExternalIntegration fixture: the operator binary on the real control
// plane with the Infisical double, a credential Secret "reader-creds" and a
// Ready SecretStore "vault" in env_->ns(), and helpers to apply and read
// ExternalSecrets and to check that no value leaked. Shared by the
// ExternalSecret and ClusterExternalSecret integration tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "tests/lib/vault/infisical_double_process.h"
#include "tests/operator/operator_env.h"
#include "tests/support/store_json.h"

namespace sealsync::testing {

inline const kube::Resource kStores{"sealsync.dev", "v1alpha1", "secretstores",
                                    true};
inline const kube::Resource kExternal{"sealsync.dev", "v1alpha1",
                                      "externalsecrets", true};
inline const kube::Resource kClusterStores{"sealsync.dev", "v1alpha1",
                                           "clustersecretstores", false};
inline constexpr std::string_view kVaultCanary =
    "s3cr3t-db-password";  // in the seed

class ExternalIntegration : public ::testing::Test {
 protected:
  using Json = kube::Json;

  void SetUp() override {
    cp_ = ControlPlane::Shared();
    if (cp_ == nullptr || !InfisicalDouble::Available()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true")
        FAIL() << "control plane or double missing";
      GTEST_SKIP() << "control plane or Infisical double missing";
    }
    vault_ = std::make_unique<InfisicalDouble>();
    ASSERT_TRUE(vault_->running());
    env_ = std::make_unique<OperatorEnv>(cp_);
    audit_ = cp_->dir() + "/audit-" + env_->ns() + ".log";
    op_ = env_->Start({"--audit-log", audit_});
    ASSERT_TRUE(op_);
    Credentials("reader-creds", "reader-client-secret-0001");
    ASSERT_TRUE(Store("vault", "reader-creds").has_value());
    ASSERT_TRUE(Eventually([&] { return StoreReady("vault") == "True"; }));
  }

  void Credentials(const std::string& name, const std::string& secret) {
    Json s = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}, {"namespace", env_->ns()}}},
              {"stringData",
               {{"clientId", "0f1e2d3c-reader-client-id"},
                {"clientSecret", secret}}}};
    ASSERT_TRUE(
        env_->client().Apply(kube::kSecrets, s, {"test", true}).has_value());
  }
  Result<Json> Store(const std::string& name, const std::string& creds,
                     const std::string& creds_ns = "",
                     const std::string& host_api = "") {
    Json store = testing::StoreJson(
        {.name = name,
         .ns = env_->ns(),
         .host_api = host_api.empty() ? vault_->api_base() : host_api,
         .creds = creds,
         .creds_ns = creds_ns});
    return env_->client().Apply(kStores, store, {"test", true});
  }
  // ClusterSecretStore `name`: the double, "reader-creds" of env_->ns(),
  // project team-a, environment dev, folder `path`.
  Json ClusterStore(const std::string& name, const std::string& path) {
    return testing::StoreJson({.kind = "ClusterSecretStore",
                               .name = name,
                               .host_api = vault_->api_base(),
                               .creds = "reader-creds",
                               .creds_ns = env_->ns(),
                               .path = path});
  }
  std::string StoreReady(const std::string& name) {
    Json c = StoreCondition(name);
    return c.is_object() ? c.value("status", "") : "";
  }
  Json StoreCondition(const std::string& name) {
    auto s = env_->client().Get(kStores, {env_->ns(), name});
    if (!s) return nullptr;
    for (const auto& c : s->value("status", Json::object())
                             .value("conditions", Json::array())) {
      if (c["type"] == "Ready") return c;
    }
    return nullptr;
  }
  Json External(const std::string& name, Json data,
                const std::string& store = "vault") {
    return {{"apiVersion", "sealsync.dev/v1alpha1"},
            {"kind", "ExternalSecret"},
            {"metadata", {{"name", name}, {"namespace", env_->ns()}}},
            {"spec",
             {{"refreshInterval", "1h"},
              {"secretStoreRef", {{"name", store}, {"kind", "SecretStore"}}},
              {"data", std::move(data)}}}};
  }
  Result<Json> Apply(const Json& es) {
    return env_->client().Apply(kExternal, es, {"test", true});
  }
  std::optional<Json> Ready(const std::string& name) {
    auto o = env_->client().Get(kExternal, {env_->ns(), name});
    if (!o) return std::nullopt;
    for (const auto& c : o->value("status", Json::object())
                             .value("conditions", Json::array())) {
      if (c["type"] == "Ready") return c;
    }
    return std::nullopt;
  }
  bool ReadyIs(const std::string& name, const std::string& status,
               const std::string& reason) {
    auto c = Ready(name);
    return c && (*c)["status"] == status && (*c)["reason"] == reason;
  }
  void ExpectNoCanary() {
    EXPECT_EQ(op_->Log().find(kVaultCanary), std::string::npos)
        << "vault value in the log";
    EXPECT_EQ(op_->Log().find("reader-client-secret-0001"), std::string::npos)
        << "client secret in the log";
    EXPECT_EQ(env_->EventsText().find(kVaultCanary), std::string::npos);
    std::string audit = ReadFile(audit_);
    EXPECT_EQ(audit.find(kVaultCanary), std::string::npos)
        << "vault value in the audit log";
    EXPECT_EQ(audit.find("reader-client-secret-0001"), std::string::npos)
        << "client secret in the audit log";
    auto list = env_->client().List(kExternal, env_->ns(), {});
    for (const auto& o : list->items) {
      EXPECT_EQ(o.value("status", Json::object()).dump().find(kVaultCanary),
                std::string::npos);
    }
  }
  static Json Ref(const std::string& secret_key, const std::string& key) {
    return {{"secretKey", secret_key}, {"remoteRef", {{"key", key}}}};
  }

  ControlPlane* cp_ = nullptr;
  std::unique_ptr<InfisicalDouble> vault_;
  std::unique_ptr<OperatorEnv> env_;
  std::unique_ptr<OperatorProcess> op_;
  std::string audit_;  // the operator's --audit-log
};

}  // namespace sealsync::testing
