// HttpTransport: libcurl easy handles with TLS from memory, keep-alive
// reuse through a handle pool, HTTP/2 where the server offers it, and
// HTTPS_PROXY/NO_PROXY honoured (libcurl reads them from the environment).
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
  Result<HttpResponse> Perform(
      void* handle, const HttpRequest& req,
      const std::function<bool(std::string_view)>* on_data,
      const std::atomic<bool>* stop);

  TlsConfig tls_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*
};

}  // namespace sealsync::kube
