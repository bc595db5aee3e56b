// The Kubernetes API client seam. Controllers and sealctl see only this
// interface; lib/kube implements it over libcurl, tests may fake it (but
// resourceVersion, watch and RBAC behaviour is tested against a real API
// server, see tests/integration).
//
// Kubernetes Status errors map to codes:
//   400, 422 kInvalidArgument   401 kUnauthenticated   403 kPermissionDenied
//   404 kNotFound               409 on create kAlreadyExists, else kAborted
//   410 kOutOfRange ("resourceVersion too old": relist)
//   429 kResourceExhausted      5xx, network kUnavailable   timeout
//   kDeadlineExceeded
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sealsync/error.h"

namespace sealsync::kube {

using Json = nlohmann::json;

// A resource by group/version/resource, e.g. {"", "v1", "secrets", true}.
struct Resource {
  std::string group;  // "" for core
  std::string version;
  std::string resource;  // plural, lower case
  bool namespaced = true;
};

inline const Resource kSecrets{"", "v1", "secrets", true};
inline const Resource kConfigMaps{"", "v1", "configmaps", true};
inline const Resource kNamespaces{"", "v1", "namespaces", false};
inline const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const Resource kEvents{"events.k8s.io", "v1", "events", true};
inline const Resource kCrds{"apiextensions.k8s.io", "v1",
                            "customresourcedefinitions", false};

struct ObjectKey {
  std::string ns;  // empty for cluster-scoped resources
  std::string name;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;  // 0: no paging
  std::string continue_token;
  std::string resource_version;
};

struct ListResult {
  std::vector<Json> items;
  std::string resource_version;
  std::string continue_token;  // empty on the last page
};

struct DeleteOptions {
  std::string precondition_uid;
  std::string precondition_resource_version;
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
};

struct ApplyOptions {
  std::string field_manager;
  bool force = false;
  // fieldValidation=Strict (what kubectl sends): unknown or duplicate fields
  // are errors instead of being dropped with a warning.
  bool strict = false;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type;
  Json object;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // start after this version
  bool allow_bookmarks = true;
  int timeout_seconds = 300;  // server-side end of one watch request
};

// Receives each event in order; return false to end the watch. The handler
// may move from the event (it is not used after the call).
using WatchHandler = std::function<bool(WatchEvent&)>;

// A Client talks to one API server. Thread-safe: any number of threads may
// call it at once (each call uses its own connection from a pool).
class Client {
 public:
  virtual ~Client() = default;

  virtual Result<Json> Get(const Resource& r, const ObjectKey& key) = 0;
  // One page (or all, with limit 0) of objects in `ns` ("" = all namespaces).
  virtual Result<ListResult> List(const Resource& r, std::string_view ns,
                                  const ListOptions& opts) = 0;
  virtual Result<Json> Create(const Resource& r, const Json& obj) = 0;
  // PUT with the object's metadata.resourceVersion; a stale one is kAborted.
  virtual Result<Json> Update(const Resource& r, const Json& obj,
                              bool status = false) = 0;
  // JSON merge patch (RFC 7386).
  virtual Result<Json> MergePatch(const Resource& r, const ObjectKey& key,
                                  const Json& patch, bool status = false) = 0;
  // Server-side apply of `obj` (apiVersion/kind/metadata.name required).
  virtual Result<Json> Apply(const Resource& r, const Json& obj,
                             const ApplyOptions& opts, bool status = false) = 0;
  virtual Result<void> Delete(const Resource& r, const ObjectKey& key,
                              const DeleteOptions& opts = {}) = 0;
  // Streams events until the server ends the request, the handler returns
  // false, or `stop` becomes true. kOutOfRange when the version is too old.
  virtual Result<void> Watch(const Resource& r, std::string_view ns,
                             const WatchOptions& opts,
                             const WatchHandler& handler,
                             const std::atomic<bool>* stop = nullptr) = 0;
};

// How to reach and authenticate to an API server. Credentials are secrets:
// never logged.
struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;
};

struct RestConfig {
  std::string server;  // https://host:port
  std::string ca_pem;  // empty: system trust store
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;
  std::string token_file;  // re-read when it changes (projected tokens rotate)
  std::optional<ExecConfig> exec;
  std::string ns;  // the context's (or pod's) namespace, "" if unset
  std::chrono::milliseconds timeout{30000};  // per request, not for watches
};

struct KubeconfigOptions {
  std::string
      path;  // explicit file; else $KUBECONFIG list; else ~/.kube/config
  std::string context;  // else current-context
};

// Loads and merges kubeconfig files as kubectl does (first file wins per
// entry). kInvalidArgument naming the file and field on bad input,
// kNotFound if no file or context exists.
Result<RestConfig> LoadKubeconfig(const KubeconfigOptions& opts);

// In-cluster config: KUBERNETES_SERVICE_HOST/PORT and the files under
// `root` (default /var/run/secrets/kubernetes.io/serviceaccount).
Result<RestConfig> InClusterConfig(
    std::string_view root = "/var/run/secrets/kubernetes.io/serviceaccount");

// A libcurl-backed Client. kInvalidArgument for an unusable config.
Result<std::unique_ptr<Client>> NewClient(const RestConfig& config);

// Supplies the Authorization header value for each request ("" for none),
// for callers that speak to the API server without a Client (sealctl's calls
// through the service proxy). Re-reads rotating token files and re-runs exec
// plugins near expiry. Errors never quote the credential. Thread-safe.
class CredentialSource {
 public:
  virtual ~CredentialSource() = default;
  virtual Result<std::string> AuthorizationHeader() = 0;
};

std::unique_ptr<CredentialSource> MakeCredentialSource(
    const RestConfig& config);

// Maps a non-2xx API server answer (a Kubernetes Status body, or anything) to
// the Error a Client returns for it: "`what`: <code> <reason>: <message>",
// its code from the HTTP status and reason (409 on create kAlreadyExists,
// else kAborted; 404 kNotFound; 403 kPermissionDenied; ...).
Error StatusError(long http_status, std::string_view body,
                  std::string_view what, bool is_create);

}  // namespace sealsync::kube
