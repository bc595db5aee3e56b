// The vault's view of http::Transport: request and response bodies are
// SecureBytes (they carry client secrets, tokens and secret values), HTTP/2
// where offered, the two response headers the client needs (etag,
// retry-after), and every answer capped in size.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lib/http/transport.h"
#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::vault {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // never carries a secret (scope and key names only)
  std::vector<std::string> headers;  // "Name: value"
  SecureBytes body;
  std::chrono::milliseconds timeout{15000};
  std::string ca_pem;  // trusted for this request instead of the transport's
};

struct HttpResponse {
  long status = 0;
  SecureBytes body;
  std::string etag;         // as sent, quotes included; empty if none
  std::string retry_after;  // raw header value; empty if none
};

// Thread-safe.
class HttpTransport {
 public:
  // Answers with a body over `max_body` bytes fail (kResourceExhausted)
  // while they arrive: a hostile or broken server cannot fill memory.
  HttpTransport(std::string ca_pem, size_t max_body);

  // Performs `req` over http or https only, never following a redirect (a
  // 3xx is a response). Errors as http::Transport::Do (the message names
  // method and URL); any HTTP status is a response.
  Result<HttpResponse> Do(const HttpRequest& req);

 private:
  http::Transport http_;
};

}  // namespace sealsync::vault
