// What an ExternalSecret reads and renders, apart from the Kubernetes
// writes: the store's credentials (StoreAuth), the values from the vault
// (FetchValues) and the target Secret (RenderTarget, pure). Used by
// ExternalSecretReconciler and StoreReconciler. Values are never put in
// errors.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "operator/external_secret_spec.h"
#include "operator/template_from.h"
#include "sealsync/clock.h"
#include "sealsync/kube.h"
#include "sealsync/vault.h"

namespace sealsync::op {

// Everything a store's credentials are read with, and nothing else: the
// reads below see a store only through this, and StoreAuthCache keys on all
// of it (compared member by member, `= default`). A login field added here
// is part of the cache key without anyone listing it; one not added here
// cannot be used by the reads.
struct StoreAuthInputs {
  // Whose: stores of other kinds or namespaces never share an entry, even
  // with the same references; nor do two stores of one namespace (a
  // ServiceAccount's consent names one store, login_consent.h).
  std::string kind, ns, name;
  std::string host_api;
  vault::AuthMethod method = vault::AuthMethod::kUniversal;
  SecretKeyRef client_id, client_secret;  // kUniversal; kToken: client_secret
  std::string identity_id;                // kKubernetes
  ServiceAccountRef service_account;      // kKubernetes
  std::string ca_pem;                     // caBundle
  std::optional<SecretKeyRef> ca_ref;     // caProvider
  bool ca_in_config_map = false;
  auto operator<=>(const StoreAuthInputs&) const = default;
};

// The auth fields of `store`.
StoreAuthInputs AuthInputsOf(const StoreSpec& store);

// Reads a store's credentials from its referenced Secret(s) (and its CA from
// a Secret or ConfigMap). kFailedPrecondition naming the Secret and key when
// one is missing or empty, kUnavailable when the API server fails; never the
// value.
Result<vault::UniversalAuth> StoreAuth(kube::Client& client,
                                       const StoreAuthInputs& in);
inline Result<vault::UniversalAuth> StoreAuth(kube::Client& client,
                                              const StoreSpec& store) {
  return StoreAuth(client, AuthInputsOf(store));
}

// StoreAuth with a short memory: a store's credentials read in the last
// `ttl` are used again instead of reading the Secret once per ExternalSecret
// (1,000 objects of one store cost one read, not 1,000). Keyed by the whole
// StoreAuthInputs, so no store sees credentials its own references would
// not give it. Pass the same `client` on every call (a Kubernetes auth's
// token request keeps using the one it was made with). A rotated
// credential is picked up within `ttl`; errors are never remembered. Cached
// client secrets are wiped when replaced and on destruction. Thread-safe.
class StoreAuthCache {
 public:
  StoreAuthCache(const Clock& clock, std::chrono::milliseconds ttl)
      : clock_(clock), ttl_(ttl) {}
  ~StoreAuthCache();
  StoreAuthCache(const StoreAuthCache&) = delete;
  StoreAuthCache& operator=(const StoreAuthCache&) = delete;
  // As StoreAuth.
  Result<vault::UniversalAuth> Get(kube::Client& client,
                                   const StoreSpec& store);

 private:
  struct Entry {
    vault::UniversalAuth auth;
    Clock::TimePoint read;
  };
  const Clock& clock_;
  const std::chrono::milliseconds ttl_;
  std::mutex mu_;
  std::map<StoreAuthInputs, Entry> entries_;  // guarded by mu_
};

// The values an ExternalSecret asks for, by Secret key.
struct Fetched {
  std::map<std::string, std::string> values;
  Clock::TimePoint oldest;  // fetch time of the oldest list used
};

// Reads spec.data and spec.dataFrom through the shared vault client: lists
// younger than the refresh interval are shared; a `forced` sync only uses
// lists requested at or after the given time (force_sync.h).
// Errors name the field and key (kNotFound, kInvalidArgument for a value
// that is not the JSON asked for) or are the vault's (vault.h).
Result<Fetched> FetchValues(vault::Client& vault, const Clock& clock,
                            const ExternalSecretSpec& es,
                            const StoreSpec& store,
                            const vault::UniversalAuth& auth,
                            std::optional<Clock::TimePoint> forced);

// The Secret an ExternalSecret asks for (pure): the values as they are, or,
// with a template, spec.target.template.templateFrom (`from`, read by
// ReadTemplateFrom) then spec.target.template.data rendered from `values`;
// every key checked, then RenderExternalSecret. kInvalidArgument /
// kNotFound / kResourceExhausted naming the template or key.
Result<kube::Json> RenderTarget(
    const ExternalSecretSpec& es, const std::string& uid,
    const std::map<std::string, std::string>& values,
    const std::vector<TemplateSource>& from = {});

// The Secret for `rendered` (pure): data base64-encoded, the template's
// metadata with the rendered labels and annotations over it, the managed-by
// label, the owner annotation (not for Merge: the Secret's own consent
// annotation stays), and the controller ownerReference for creationPolicy
// Owner.
kube::Json RenderExternalSecret(const ExternalSecretSpec& es,
                                const std::string& uid,
                                const RenderedTarget& rendered);

}  // namespace sealsync::op
