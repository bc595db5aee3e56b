#include "sealctl/cluster.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "lib/http/transport.h"
#include "sealsync/kube.h"
#include "sealsync/names.h"

namespace sealsync::sealctl {
namespace {

using Json = nlohmann::json;

Result<void> CheckNames(const ClusterOptions& opts, bool service) {
  if (!IsDnsLabel(opts.controller_namespace)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--controller-namespace \"" + opts.controller_namespace +
                         "\" is not a namespace name");
  }
  if (service && !IsDnsLabel(opts.controller_name)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--controller-name \"" + opts.controller_name +
                         "\" is not a Service name");
  }
  return {};
}

// Rewords a failed API call (its message is "VERB PATH: code reason: msg").
Error Reword(const Error& e, const std::string& object) {
  switch (e.code()) {
    case ErrorCode::kPermissionDenied:
      return e.Wrap("not allowed to read " + object + " (RBAC)");
    case ErrorCode::kUnauthenticated:
      return e.Wrap("the API server rejected the kubeconfig's credentials");
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return e.Wrap("cannot reach the API server");
    default:
      return e.Wrap("reading " + object);
  }
}

std::string TrimSlash(std::string s) {
  while (s.ends_with('/')) s.pop_back();
  return s;
}

// A Kubernetes Status object: what the API server (not the operator)
// answers when the service proxy fails.
bool IsApiServerStatus(const http::Response& a) {
  if (a.status >= 200 && a.status < 300) return false;
  try {
    Json j = Json::parse(a.body);
    return j.is_object() && j.value("kind", "") == "Status";
  } catch (const Json::exception&) {
    return false;
  }
}

}  // namespace

// A DNS-1123 label: what namespace and Service names are. Checked before
// they go into a URL path.
bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-')
    return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return true;
}

// Any kubeconfig problem (none found, no such context, malformed) is one the
// user fixes with flags or files: kFailedPrecondition.
Result<kube::RestConfig> LoadConfig(const ClusterOptions& opts) {
  auto config = kube::LoadKubeconfig({opts.kubeconfig, opts.context});
  if (!config) {
    const std::string& m = config.error().message();
    bool named = m.starts_with("kubeconfig") || m.starts_with("no kubeconfig");
    return MakeError(ErrorCode::kFailedPrecondition,
                     named ? m : "kubeconfig: " + m);
  }
  return config;
}

Result<std::string> FetchRecipientsFile(const ClusterOptions& opts) {
  if (auto ok = CheckNames(opts, false); !ok)
    return std::unexpected(ok.error());
  auto config = LoadConfig(opts);
  if (!config) return std::unexpected(config.error());
  auto client = kube::NewClient(*config);
  if (!client) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "kubeconfig: " + client.error().message());
  }
  const std::string& ns = opts.controller_namespace;
  std::string object =
      "ConfigMap " + ns + "/" + std::string(names::kRecipientsConfigMap);
  auto cm = (*client)->Get(kube::kConfigMaps,
                           {ns, std::string(names::kRecipientsConfigMap)});
  if (!cm) {
    if (cm.error().code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound,
                       "no sealsync recipients in namespace " + ns +
                           " (is the operator running?)");
    }
    return std::unexpected(Reword(cm.error(), object));
  }
  const std::string key(names::kRecipientsDataKey);
  const Json* data = cm->contains("data") ? &(*cm)["data"] : nullptr;
  if (data == nullptr || !data->is_object() || !data->contains(key) ||
      !(*data)[key].is_string()) {
    return MakeError(ErrorCode::kNotFound, object + " has no data." + key +
                                               " (is the operator running?)");
  }
  return (*data)[key].get<std::string>();
}

Result<X25519Recipient> FetchNewestRecipient(const ClusterOptions& opts) {
  auto text = FetchRecipientsFile(opts);
  if (!text) return std::unexpected(text.error());
  std::string where = "ConfigMap " + opts.controller_namespace + "/" +
                      std::string(names::kRecipientsConfigMap);
  auto parsed = ParseRecipientsFile(*text);
  if (!parsed) return std::unexpected(parsed.error().Wrap(where));
  if (parsed->empty()) {
    return MakeError(ErrorCode::kNotFound,
                     where + " lists no recipients (is the operator running?)");
  }
  return parsed->front();
}

Result<OperatorAnswer> PostToOperator(const ClusterOptions& opts,
                                      std::string_view path,
                                      std::string_view manifest) {
  http::Request call;
  call.method = "POST";
  call.body = manifest;
  size_t first = manifest.find_first_not_of(" \t\r\n");
  bool json = first != std::string_view::npos && manifest[first] == '{';
  call.headers = {std::string("Content-Type: ") +
                      (json ? "application/json" : "application/yaml"),
                  "Accept: application/json, application/yaml, text/plain",
                  "User-Agent: sealctl/0.1"};
  if (!opts.controller_url.empty()) {
    call.url = TrimSlash(opts.controller_url) + std::string(path);
    http::Transport direct;
    auto answer = direct.Do(call);
    if (!answer) {
      ErrorCode code = answer.error().code();
      if (code == ErrorCode::kInvalidArgument) {
        return std::unexpected(answer.error().Wrap("--controller-url"));
      }
      return std::unexpected(answer.error().Wrap("cannot reach the operator"));
    }
    return OperatorAnswer{answer->status,
                          std::string(answer->Header("content-type")),
                          std::move(answer->body)};
  }

  if (auto ok = CheckNames(opts, true); !ok) return std::unexpected(ok.error());
  auto config = LoadConfig(opts);
  if (!config) return std::unexpected(config.error());
  auto creds = kube::MakeCredentialSource(*config);
  auto auth = creds->AuthorizationHeader();
  if (!auth) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "kubeconfig credentials: " + auth.error().message());
  }
  if (!auth->empty()) call.headers.push_back("Authorization: " + *auth);
  call.timeout = config->timeout;
  std::string service =
      "service " + opts.controller_namespace + "/" + opts.controller_name;
  std::string proxy = "/api/v1/namespaces/" + opts.controller_namespace +
                      "/services/http:" + opts.controller_name + ":api/proxy";
  call.url = TrimSlash(config->server) + proxy + std::string(path);
  http::Transport api_server(
      {.tls = {config->ca_pem, config->insecure_skip_tls_verify,
               config->client_cert_pem, config->client_key_pem}});
  auto answer = api_server.Do(call);
  if (!answer) {
    return std::unexpected(answer.error().Wrap("cannot reach the API server"));
  }
  if (IsApiServerStatus(*answer)) {
    Error e = kube::StatusError(answer->status, answer->body,
                                "POST " + proxy + std::string(path), false);
    return std::unexpected(e.Wrap(
        "cannot reach the operator through the API server (" + service + ")"));
  }
  return OperatorAnswer{answer->status,
                        std::string(answer->Header("content-type")),
                        std::move(answer->body)};
}

int FailWithHints(std::ostream& err, const Error& error,
                  std::initializer_list<std::string_view> hints) {
  err << "sealctl: error: " << error.message() << "\n";
  for (std::string_view h : hints) {
    if (!h.empty()) err << "sealctl: hint: " << h << "\n";
  }
  return 1;
}

std::string ClusterHint(const Error& error, std::string_view rbac) {
  switch (error.code()) {
    case ErrorCode::kFailedPrecondition:
      return "pass --kubeconfig FILE (and --context NAME), or set KUBECONFIG";
    case ErrorCode::kNotFound:
      return "if the operator runs in another namespace, pass "
             "--controller-namespace NS";
    case ErrorCode::kPermissionDenied:
      return "your user needs " + std::string(rbac) + " (ask a cluster admin)";
    case ErrorCode::kUnauthenticated:
      return "refresh the kubeconfig's credentials, then retry";
    default:
      return "";
  }
}

}  // namespace sealsync::sealctl
