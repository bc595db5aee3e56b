#include "lib/kube/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

namespace sealsync::kube {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Per-request state shared with libcurl's callbacks.
struct Transfer {
  HttpResponse* resp;
  const std::function<bool(std::string_view)>* on_data;
  const std::atomic<bool>* stop;
  bool stopped_by_us = false;
};

size_t OnWrite(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nmemb;
  if (t->on_data != nullptr && t->resp->status >= 200 &&
      t->resp->status < 300) {
    if (!(*t->on_data)(std::string_view(ptr, n))) {
      t->stopped_by_us = true;
      return 0;  // abort the transfer
    }
    return n;
  }
  t->resp->body.append(ptr, n);
  return n;
}

// Records the status as soon as headers arrive, so OnWrite knows whether to
// stream or collect.
size_t OnHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::string_view line(buffer, size * nitems);
  if (line.starts_with("HTTP/")) {
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      t->resp->status =
          std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    }
  }
  return size * nitems;
}

int OnProgress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  if (t->stop != nullptr && t->stop->load()) {
    t->stopped_by_us = true;
    return 1;  // abort
  }
  return 0;
}

}  // namespace

void SetCurlTls(void* curl, const TlsConfig& tls) {
  CURL* c = static_cast<CURL*>(curl);
  // NOCOPY: libcurl keeps pointers to the caller's strings.
  curl_blob ca{const_cast<char*>(tls.ca_pem.data()), tls.ca_pem.size(),
               CURL_BLOB_NOCOPY};
  curl_blob cert{const_cast<char*>(tls.client_cert_pem.data()),
                 tls.client_cert_pem.size(), CURL_BLOB_NOCOPY};
  curl_blob key{const_cast<char*>(tls.client_key_pem.data()),
                tls.client_key_pem.size(), CURL_BLOB_NOCOPY};
  if (!tls.ca_pem.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  if (tls.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.client_cert_pem.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

HttpTransport::HttpTransport(TlsConfig tls) : tls_(std::move(tls)) {
  static CurlGlobal global;
}

HttpTransport::~HttpTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* c = curl_easy_init();
  if (c != nullptr) SetUp(c);
  return c;
}

// Options that never change for this transport are set once per handle:
// a reused handle keeps them (and its connection), and a request then costs
// only the options that differ per request.
void HttpTransport::SetUp(void* handle) const {
  CURL* c = static_cast<CURL*>(handle);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  SetCurlTls(c, tls_);  // tls_ outlives every handle
}

void HttpTransport::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(handle);
}

Result<HttpResponse> HttpTransport::Do(const HttpRequest& req) {
  void* h = Acquire();
  auto r = Perform(h, req, nullptr, nullptr);
  Release(h);
  return r;
}

Result<HttpResponse> HttpTransport::Stream(
    const HttpRequest& req,
    const std::function<bool(std::string_view)>& on_data,
    const std::atomic<bool>* stop) {
  void* h = Acquire();
  auto r = Perform(h, req, &on_data, stop);
  Release(h);
  return r;
}

Result<HttpResponse> HttpTransport::Perform(
    void* handle, const HttpRequest& req,
    const std::function<bool(std::string_view)>* on_data,
    const std::atomic<bool>* stop) {
  CURL* c = static_cast<CURL*>(handle);
  if (c == nullptr)
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  // Every per-request option is set on every request, so nothing of the
  // previous request on this handle carries over.
  HttpResponse resp;
  Transfer t{&resp, on_data, stop};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(
      c, CURLOPT_TIMEOUT_MS,
      static_cast<long>(std::max<int64_t>(0, req.timeout.count())));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, stop != nullptr ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (!req.body.empty() || req.method == "POST" || req.method == "PUT" ||
      req.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(req.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);  // no body from before
  }
  // After the body options: they choose POST, this names the real method.
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  curl_slist* headers = nullptr;
  for (const auto& hdr : req.headers)
    headers = curl_slist_append(headers, hdr.c_str());
  // No "Expect: 100-continue" round trip before a large body.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);  // freed next line
  curl_slist_free_all(headers);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) resp.status = status;
  if (rc == CURLE_OK || t.stopped_by_us) return resp;
  // The method and URL are safe to report: they never carry secret values.
  std::string what = req.method + " " + req.url + ": " + curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return MakeError(ErrorCode::kDeadlineExceeded, what);
  return MakeError(ErrorCode::kUnavailable, what);
}

}  // namespace sealsync::kube
