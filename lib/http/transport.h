// The one HTTP client of sealsync, for every outside world it talks to: the
// Kubernetes API server (lib/kube), the vault (lib/vault) and the operator's
// API and --cert URLs (sealctl). libcurl underneath:
//
// - http and https only, and a redirect is an answer, never followed;
// - TLS from memory: trusted CA, client certificate and key (PEM), or no
//   verification at all when a kubeconfig asks for it;
// - a transfer timeout per request, a connect timeout per transport;
// - an optional cap on the response size, enforced while it arrives, so a
//   hostile or broken server cannot fill memory;
// - keep-alive: easy handles (and their connections) are pooled and reused;
// - HTTPS_PROXY / NO_PROXY honoured (libcurl reads them from the environment).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sealsync/error.h"

namespace sealsync::http {

struct TlsOptions {
  std::string ca_pem;     // trusted roots; empty: the system trust store
  bool insecure = false;  // no verification at all (a kubeconfig's choice)
  std::string client_cert_pem;
  std::string client_key_pem;  // secret: never logged
};

enum class Version {
  kHttp1,  // HTTP/1.1 only
  kHttp2,  // HTTP/2 over TLS where the server offers it, else HTTP/1.1
};

struct TransportOptions {
  TlsOptions tls;
  Version version = Version::kHttp1;
  // Bytes of one response body at most; 0: no limit (the API server's watch
  // streams). Over it, the call fails with kResourceExhausted.
  size_t max_response_bytes = 0;
  std::chrono::milliseconds connect_timeout{10000};
};

struct Request {
  std::string method = "GET";
  // http:// or https://. It appears in error messages: it must never carry a
  // secret (names and scopes only).
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  // Not copied: the bytes must stay alive until the call returns.
  std::string_view body;
  std::chrono::milliseconds timeout{30000};  // whole transfer; 0: none
  // Trusted for this request instead of TransportOptions::tls.ca_pem when
  // not empty (a vault host with a CA of its own). Not copied either.
  std::string_view ca_pem;
};

struct Response {
  long status = 0;
  std::string body;  // Do(): the whole body; Send(): empty
  // The headers of the final response, names in lower case, in order.
  std::vector<std::pair<std::string, std::string>> headers;

  // The value of the first header called `lower_case_name`; "" if none.
  std::string_view Header(std::string_view lower_case_name) const;
};

// Receives the body as it arrives, after the status line and headers (in
// `head`). Returning false ends the transfer quietly: the call returns the
// response so far.
using BodySink =
    std::function<bool(const Response& head, std::string_view chunk)>;

// A Transport performs requests with the options it was made with.
// Thread-safe: every call borrows an easy handle of its own from the pool.
class Transport {
 public:
  explicit Transport(TransportOptions options = {});
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Performs `req` and returns status, headers and the whole body. Any HTTP
  // status is an answer. Errors are for not getting one: kInvalidArgument (a
  // URL that is not http(s)://), kDeadlineExceeded (timeout),
  // kResourceExhausted (body over the cap), kUnavailable (any other network
  // or TLS failure), kInternal (libcurl could not start). Messages name the
  // method and URL, never a header or body.
  Result<Response> Do(const Request& req);

  // As Do(), but the body goes to `sink` as it arrives instead of into the
  // response. `stop` turning true also ends the transfer quietly (it is
  // looked at about once a second and whenever data arrives).
  Result<Response> Send(const Request& req, const BodySink& sink,
                        const std::atomic<bool>* stop = nullptr);

 private:
  // A libcurl easy handle (CURL*), cleaned up when it goes.
  struct HandleDeleter {
    void operator()(void* curl) const;
  };
  using Handle = std::unique_ptr<void, HandleDeleter>;

  Handle Acquire();
  void Release(Handle handle);
  void SetUp(void* curl) const;
  Result<Response> Perform(const Request& req, const BodySink* sink,
                           const std::atomic<bool>* stop);

  const TransportOptions options_;
  std::mutex mu_;
  std::vector<Handle> idle_;
};

// Percent-encodes `s` for a query parameter value or a path segment: every
// byte but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex).
std::string UrlEncode(std::string_view s);

}  // namespace sealsync::http
