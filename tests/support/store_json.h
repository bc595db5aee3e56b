// The SecretStore / ClusterSecretStore the tests create: the Infisical
// provider with Universal Auth, its credentials read from keys of one
// Secret. One builder, so every test's store has the shape users write.
#pragma once

#include <string>

#include "sealsync/kube.h"

namespace sealsync::testing {

struct UniversalAuthStore {
  std::string kind = "SecretStore";  // or "ClusterSecretStore"
  std::string name;
  std::string ns;        // metadata.namespace; "" for a ClusterSecretStore
  std::string host_api;  // spec.provider.infisical.hostAPI
  std::string creds;     // the credentials Secret
  std::string creds_ns;  // its namespace in the refs; "" = none given
  std::string id_key = "clientId";
  std::string secret_key = "clientSecret";
  std::string project = "team-a";
  std::string environment = "dev";
  std::string path;  // secretsScope.secretsPath; "" = none given
};

inline kube::Json StoreJson(const UniversalAuthStore& s) {
  kube::Json id = {{"name", s.creds}, {"key", s.id_key}};
  kube::Json secret = {{"name", s.creds}, {"key", s.secret_key}};
  if (!s.creds_ns.empty()) id["namespace"] = secret["namespace"] = s.creds_ns;
  kube::Json scope = {{"projectSlug", s.project},
                      {"environmentSlug", s.environment}};
  if (!s.path.empty()) scope["secretsPath"] = s.path;
  kube::Json meta = {{"name", s.name}};
  if (!s.ns.empty()) meta["namespace"] = s.ns;
  return {{"apiVersion", "sealsync.dev/v1alpha1"},
          {"kind", s.kind},
          {"metadata", meta},
          {"spec",
           {{"provider",
             {{"infisical",
               {{"hostAPI", s.host_api},
                {"auth",
                 {{"universalAuthCredentials",
                   {{"clientId", id}, {"clientSecret", secret}}}}},
                {"secretsScope", scope}}}}}}}};
}

}  // namespace sealsync::testing
