// A small libcurl transport for the Infisical API: keep-alive handle pool,
// HTTP/2 where offered, HTTPS_PROXY/NO_PROXY honoured (libcurl reads them),
// and the two response headers the client needs (etag, retry-after). Bodies
// are SecureBytes: they carry client secrets, tokens and secret values.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

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

// Thread-safe: each call borrows its own curl handle from the pool.
class HttpTransport {
 public:
  // Answers with a body over `max_body` bytes fail (kResourceExhausted)
  // while they arrive: a hostile or broken server cannot fill memory.
  HttpTransport(std::string ca_pem, size_t max_body);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Performs `req` over http or https only, never following a redirect (a
  // 3xx is a response). Network failures and timeouts are kUnavailable (the
  // message names method and URL); any HTTP status is a response.
  Result<HttpResponse> Do(const HttpRequest& req);

 private:
  std::string ca_pem_;
  size_t max_body_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*
};

}  // namespace sealsync::vault
