#include "lib/vault/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace sealsync::vault {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Where OnBody writes, and how much it may take.
struct BodySink {
  SecureBytes* body;
  size_t max;
  bool overflow = false;
};

size_t OnBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<BodySink*>(userdata);
  const size_t n = size * nmemb;
  if (n > sink->max - std::min(sink->max, sink->body->size())) {
    sink->overflow = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  sink->body->insert(sink->body->end(), ptr, ptr + n);  // growth wipes
  return n;
}

// Keeps the headers of the last response (after redirects or 100s).
size_t OnHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* resp = static_cast<HttpResponse*>(userdata);
  std::string_view line(buffer, size * nitems);
  if (line.starts_with("HTTP/")) {
    resp->etag.clear();
    resp->retry_after.clear();
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  if (name == "etag") resp->etag = value;
  if (name == "retry-after") resp->retry_after = value;
  return line.size();
}

}  // namespace

HttpTransport::HttpTransport(std::string ca_pem, size_t max_body)
    : ca_pem_(std::move(ca_pem)), max_body_(max_body) {
  static CurlGlobal global;
}

HttpTransport::~HttpTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

Result<HttpResponse> HttpTransport::Do(const HttpRequest& req) {
  CURL* c = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      c = static_cast<CURL*>(idle_.back());
      idle_.pop_back();
    }
  }
  if (c == nullptr) c = curl_easy_init();
  if (c == nullptr)
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_reset(c);  // keeps the connection cache
  HttpResponse resp;
  BodySink sink{&resp.body, max_body_};
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp);
  if (req.method == "POST" || !req.body.empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(req.body.size()));
  }
  const std::string& trust = req.ca_pem.empty() ? ca_pem_ : req.ca_pem;
  curl_blob ca{const_cast<char*>(trust.data()), trust.size(), CURL_BLOB_NOCOPY};
  if (!trust.empty()) curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  curl_slist* headers = nullptr;
  for (const auto& h : req.headers)
    headers = curl_slist_append(headers, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  {
    std::lock_guard lock(mu_);
    idle_.push_back(c);
  }
  if (sink.overflow) {
    return MakeError(ErrorCode::kResourceExhausted,
                     req.method + " " + req.url + ": answer larger than " +
                         std::to_string(max_body_) + " bytes, refused");
  }
  if (rc != CURLE_OK) {
    return MakeError(
        ErrorCode::kUnavailable,
        req.method + " " + req.url + ": " + curl_easy_strerror(rc));
  }
  return resp;
}

}  // namespace sealsync::vault
