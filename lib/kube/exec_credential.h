// Client-go credential plugins (kubeconfig `users[].user.exec`): runs the
// plugin and parses the ExecCredential it prints. Used by the transport,
// which decides when a credential has expired and runs the plugin again.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sealsync/error.h"
#include "sealsync/kube.h"

namespace sealsync::kube {

// What a plugin returned in ExecCredential `status`. Either `token` or both
// PEM fields are set (or all three). Secrets: never logged.
struct ExecCredential {
  std::string token;
  std::string client_certificate_pem;
  std::string client_key_pem;
  // status.expirationTimestamp; nullopt: valid until the server rejects it.
  std::optional<std::chrono::system_clock::time_point> expiration;
};

// How long a plugin may run before it is killed.
inline constexpr std::chrono::milliseconds kExecPluginTimeout{60000};

// Runs `config.command` with `config.args`, the current environment plus
// `config.env` plus KUBERNETES_EXEC_INFO ({"apiVersion": config.api_version,
// "kind": "ExecCredential", "spec": {"interactive": false}}), stdin from
// /dev/null, in its own process group (killed as a group on timeout).
// A command without '/' is looked up in PATH.
//
// Errors (messages name the command, never its arguments, output or token):
//   kNotFound          the command does not exist
//   kPermissionDenied  the command is not executable
//   kUnauthenticated   non-zero exit or killed by a signal; the message ends
//                      with the first line of the plugin's stderr
//   kDeadlineExceeded  still running after `timeout`
//   kInvalidArgument   exit 0 but output is not a usable ExecCredential
// Thread-safe (no shared state; do not setenv() concurrently).
[[nodiscard]] Result<ExecCredential> RunExecPlugin(
    const ExecConfig& config,
    std::chrono::milliseconds timeout = kExecPluginTimeout);

// Parses a plugin's stdout: a JSON ExecCredential whose apiVersion must equal
// `api_version` (if not empty) and whose status holds a token and/or a
// client certificate + key pair (PEM); expirationTimestamp is RFC 3339.
// kInvalidArgument "malformed ExecCredential: ..." otherwise; the message
// never quotes the input.
[[nodiscard]] Result<ExecCredential> ParseExecCredential(
    std::string_view json, std::string_view api_version);

}  // namespace sealsync::kube
