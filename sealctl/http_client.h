// One HTTP request with libcurl, for sealctl's talk with the sealsync
// operator (directly, or through the API server's service proxy).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lib/kube/http.h"
#include "sealsync/error.h"

namespace sealsync::sealctl {

struct HttpCall {
  std::string method = "GET";
  std::string url;                   // http:// or https://
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{30000};
  // TLS for https:// URLs. Empty fields use libcurl's defaults (the system
  // trust store, no client certificate). Key material is secret: never
  // logged.
  kube::TlsConfig tls;
};

struct HttpAnswer {
  long status = 0;
  std::string content_type;  // "" when the server sent none
  std::string body;
};

// Performs `call` and returns whatever the server answered, whatever the
// status. Errors are for not getting an answer: kInvalidArgument for a URL
// that is not http(s)://, kDeadlineExceeded on timeout, kUnavailable for
// every other network or TLS failure. Messages name the method and URL
// (never headers or body: they may hold a token).
Result<HttpAnswer> DoHttp(const HttpCall& call);

}  // namespace sealsync::sealctl
