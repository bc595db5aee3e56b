// HttpTransport: libcurl easy handles with TLS from memory, HTTP/1.1
// keep-alive reuse through a handle pool, and HTTPS_PROXY/NO_PROXY honoured
// (libcurl reads them from the environment).
//
// HTTP/1.1, not HTTP/2: every pooled handle holds a connection of its own and
// a watch holds one for its whole life, so HTTP/2 multiplexing would never be
// used, while its framing cost the operator about 15% more CPU per request
// (docs/benchmarks.md, 1,000 SealedSecrets).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sealsync/error.h"

namespace sealsync::kube {

struct TlsConfig {
  std::string ca_pem;  // empty: system trust store
  bool insecure = false;
  std::string client_cert_pem;
  std::string client_key_pem;
};

// Sets `tls` on a libcurl easy handle (a CURL*): CA, client certificate and
// key from memory, or no verification at all. The PEM strings are not
// copied: `tls` must outlive every transfer made with the handle.
void SetCurlTls(void* curl, const TlsConfig& tls);

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{30000};  // 0: none (watches)
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Thread-safe: each call borrows its own handle from the pool.
class HttpTransport {
 public:
  explicit HttpTransport(TlsConfig tls);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Performs a request and returns the whole response. Network failures are
  // kUnavailable, timeouts kDeadlineExceeded; HTTP errors are not errors here.
  Result<HttpResponse> Do(const HttpRequest& req);

  // Performs a request whose 2xx body is handed to `on_data` as it arrives;
  // returning false from on_data, or `stop` becoming true, ends the request
  // quietly. A non-2xx body is collected and returned in the response.
  Result<HttpResponse> Stream(
      const HttpRequest& req,
      const std::function<bool(std::string_view)>& on_data,
      const std::atomic<bool>* stop);

 private:
  void* Acquire();
  void Release(void* handle);
  void SetUp(void* handle) const;
  Result<HttpResponse> Perform(
      void* handle, const HttpRequest& req,
      const std::function<bool(std::string_view)>* on_data,
      const std::atomic<bool>* stop);

  TlsConfig tls_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*
};

}  // namespace sealsync::kube
