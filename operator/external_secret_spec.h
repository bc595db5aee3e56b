// ExternalSecret, SecretStore and ClusterSecretStore specs, parsed from their
// JSON with errors naming the field ("spec.data[1].remoteRef.key: missing").
// Pure functions.
#pragma once

#include <re2/re2.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/value_transforms.h"
#include "sealsync/kube.h"
#include "sealsync/vault.h"

namespace sealsync::op {

inline const kube::Resource kExternalSecrets{"sealsync.dev", "v1alpha1",
                                             "externalsecrets", true};
inline const kube::Resource kSecretStores{"sealsync.dev", "v1alpha1",
                                          "secretstores", true};
inline const kube::Resource kClusterSecretStores{"sealsync.dev", "v1alpha1",
                                                 "clustersecretstores", false};

struct SecretKeyRef {
  std::string ns;  // only for ClusterSecretStore refs
  std::string name;
  std::string key;
  auto operator<=>(const SecretKeyRef&) const = default;
};

// auth.kubernetesAuth.serviceAccountRef: the ServiceAccount whose
// short-lived token (TokenRequest API) logs in.
struct ServiceAccountRef {
  std::string ns;  // the store's own for a SecretStore
  std::string name;
  std::vector<std::string> audiences;  // empty: the API server's
  auto operator<=>(const ServiceAccountRef&) const = default;
};

struct StoreSpec {
  std::string kind;  // SecretStore | ClusterSecretStore
  std::string ns;    // "" for ClusterSecretStore
  std::string name;
  std::string host_api;
  vault::AuthMethod auth_method = vault::AuthMethod::kUniversal;
  // kUniversal: both refs. kToken: client_secret is the access token's ref.
  SecretKeyRef client_id;
  SecretKeyRef client_secret;
  // kKubernetes.
  std::string identity_id;
  ServiceAccountRef service_account;
  vault::SecretScope scope;  // project, environment, path, recursive, expand
  std::chrono::seconds refresh{300};
  // Trust for hostAPI's TLS (ESO's caBundle / caProvider): caBundle's PEM
  // here, or where to read it (same namespace rules as the credentials).
  std::string ca_pem;
  std::optional<SecretKeyRef> ca_ref;
  bool ca_in_config_map = false;  // caProvider.type ConfigMap (else Secret)
};

// Parses a store; for a namespaced SecretStore a ref naming another namespace
// is refused (kPermissionDenied), for a ClusterSecretStore refs must name one.
Result<StoreSpec> ParseStore(const kube::Json& obj);

struct DataRef {
  std::string secret_key;
  std::string key;       // may be "/folder/KEY"
  std::string property;  // JSON path in the value (value_transforms.h)
  Decoding decoding = Decoding::kNone;
};

struct DataFrom {
  enum class Kind { kExtract, kFind } kind = Kind::kExtract;
  std::string key;          // extract
  std::string property;     // extract
  std::string path;         // find
  std::string name_regexp;  // find
  // name_regexp compiled (RE2: linear time, bounded memory); set by
  // ParseExternalSecret for every kFind entry.
  std::shared_ptr<const re2::RE2> name_re;
  Decoding decoding = Decoding::kNone;  // of every value
  std::vector<RewriteRule> rewrite;     // of every key, in order
};

// The longest find.name.regexp accepted.
inline constexpr size_t kMaxNameRegexpLength = 1024;

// spec.target.creationPolicy: who owns the target Secret.
//   kOwner   created and owned (controller ownerReference; GC deletes it)
//   kOrphan  created, no ownerReference (outlives the ExternalSecret)
//   kMerge   only writes its keys into an existing Secret, never creates
//   kNone    writes nothing (status only)
enum class CreationPolicy { kOwner, kOrphan, kMerge, kNone };
// spec.target.deletionPolicy: what happens when the vault has nothing left.
//   kRetain  the Secret stays as it was; Ready=False
//   kDelete  the Secret is deleted (if this ExternalSecret may)
//   kMerge   the Secret is written without the keys
enum class DeletionPolicy { kRetain, kDelete, kMerge };
// spec.refreshPolicy (ESO):
//   kPeriodic     every refreshInterval (the default)
//   kOnChange     when the ExternalSecret changes (spec, labels, annotations)
//   kCreatedOnce  once; again only if the target Secret is gone
// Either way a deleted target Secret is written again.
enum class RefreshPolicy { kPeriodic, kOnChange, kCreatedOnce };

// spec.target.template.templateFrom[] (ESO): a ConfigMap's keys used as
// templates, or a literal template (template_from.h).
struct TemplateFrom {
  // Where the rendered keys go: Secret data, annotations or labels.
  enum class Target { kData, kAnnotations, kLabels } target = Target::kData;
  struct Item {
    std::string key;               // the ConfigMap key holding the template
    bool keys_and_values = false;  // templateAs KeysAndValues (else Values)
  };
  std::string config_map;  // its name, in the ExternalSecret's namespace
  std::vector<Item> items;
  std::optional<std::string> literal;  // rendered as KeysAndValues
};

struct ExternalSecretSpec {
  std::string ns, name;
  // 0: once. Not Periodic: 0 (no timed refresh).
  std::chrono::milliseconds refresh{std::chrono::hours(1)};
  RefreshPolicy refresh_policy = RefreshPolicy::kPeriodic;
  std::string store_name;
  std::string store_kind = "SecretStore";
  std::string target_name;
  CreationPolicy creation_policy = CreationPolicy::kOwner;
  DeletionPolicy deletion_policy = DeletionPolicy::kRetain;
  std::optional<bool> immutable;
  std::string template_type;
  std::map<std::string, std::string> template_labels, template_annotations,
      template_data;
  std::vector<TemplateFrom> template_from;
  std::vector<DataRef> data;
  std::vector<DataFrom> data_from;
  // generation + a hash of labels and annotations (ESO's
  // syncedResourceVersion): changes when a sync is asked for.
  std::string sync_version;
};

Result<ExternalSecretSpec> ParseExternalSecret(const kube::Json& obj);

// refreshPolicy OnChange / CreatedOnce: true when this pass should not read
// the vault (nothing asked for a sync): OnChange already synced this
// sync_version and is Ready; CreatedOnce synced once. Never when the target
// Secret is missing.
bool RefreshPolicySkips(const ExternalSecretSpec& es,
                        const std::string& synced_version, bool ready,
                        bool target_exists);

// Renders the template `tmpl` from `values` (template_engine.h: ESO's Go
// template subset with its functions). kInvalidArgument naming the template
// and the unknown key or function; values never appear in errors.
Result<std::string> RenderTemplate(
    const std::string& field, const std::string& tmpl,
    const std::map<std::string, std::string>& values);

}  // namespace sealsync::op
