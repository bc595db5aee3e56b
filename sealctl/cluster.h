// sealctl's view of a cluster running the sealsync operator: the recipients
// the operator publishes (a ConfigMap, read with the kubeconfig's
// credentials) and its HTTP API (operator/api_handlers.h), reached directly
// at --controller-url or, like kubeseal, through the API server's service
// proxy with the kubeconfig's TLS and credentials.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>

#include "sealctl/commands.h"
#include "sealsync/age.h"
#include "sealsync/error.h"
#include "sealsync/kube.h"

namespace sealsync::sealctl {

// The recipients file as published: data["recipients.txt"] of the ConfigMap
// "sealsync-recipients" in the controller namespace (newest key first, "#"
// comment lines). Errors, each message saying what was looked for:
//   kFailedPrecondition  no usable kubeconfig or context
//   kNotFound            no such ConfigMap ("no sealsync recipients in
//                        namespace X (is the operator running?)"), or one
//                        without recipients.txt
//   kPermissionDenied    RBAC forbids reading it (403)
//   kUnauthenticated     the API server rejected the credentials (401)
//   kUnavailable, kDeadlineExceeded  the API server cannot be reached
//   kInvalidArgument     --controller-namespace is not a namespace name
// True for a DNS-1123 label (namespace and Service names); checked before a
// name goes into a URL path.
bool IsDnsLabel(std::string_view s);

// Loads the kubeconfig the flags name (or the default ones). Any problem is
// one the user fixes with flags or files: kFailedPrecondition, message
// starting "kubeconfig".
Result<kube::RestConfig> LoadConfig(const ClusterOptions& opts);

Result<std::string> FetchRecipientsFile(const ClusterOptions& opts);

// The first (newest) recipient of FetchRecipientsFile(). Its errors, plus
// kInvalidArgument for a malformed file and kNotFound for one listing none.
Result<X25519Recipient> FetchNewestRecipient(const ClusterOptions& opts);

// What the operator answered, whatever the status.
struct OperatorAnswer {
  long status = 0;
  std::string content_type;
  std::string body;
};

// POSTs `manifest` (JSON if it starts with '{', else YAML) to the operator's
// `path` ("/v1/verify", "/v1/rewrap"): at --controller-url when set, else at
// {server}/api/v1/namespaces/{ns}/services/http:{name}:api/proxy{path}.
// Errors are for not reaching the operator (an API server Status answer on
// the proxy path is an error, the operator's own answers never are):
//   kFailedPrecondition  no usable kubeconfig or context
//   kNotFound            no such Service or namespace (404 from the proxy)
//   kPermissionDenied    RBAC forbids services/proxy (403)
//   kUnauthenticated     401 from the API server
//   kUnavailable         network failure, or no ready operator behind the
//                        Service (503 from the proxy)
//   kDeadlineExceeded    timeout
//   kInvalidArgument     bad --controller-url, namespace or name
Result<OperatorAnswer> PostToOperator(const ClusterOptions& opts,
                                      std::string_view path,
                                      std::string_view manifest);

// Prints "sealctl: error: <message>", then "sealctl: hint: <hint>" for each
// non-empty hint; returns 1.
int FailWithHints(std::ostream& err, const Error& error,
                  std::initializer_list<std::string_view> hints);

// Advice for a cluster error by its code (kubeconfig flags, namespace, RBAC);
// "" when there is none. `rbac` names the permission that was needed.
std::string ClusterHint(const Error& error, std::string_view rbac);

}  // namespace sealsync::sealctl
