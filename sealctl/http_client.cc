#include "sealctl/http_client.h"

#include <curl/curl.h>

#include <memory>

namespace sealsync::sealctl {
namespace {

size_t OnWrite(char* ptr, size_t size, size_t nmemb, void* userdata) {
  static_cast<std::string*>(userdata)->append(ptr, size * nmemb);
  return size * nmemb;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

Result<HttpAnswer> DoHttp(const HttpCall& call) {
  if (!call.url.starts_with("http://") && !call.url.starts_with("https://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     call.url + ": not an http:// or https:// URL");
  }
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (global != CURLE_OK || curl == nullptr)
    return MakeError(ErrorCode::kInternal, "libcurl failed to initialise");
  CURL* c = curl.get();
  HttpAnswer answer;
  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(call.timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  // Only http and https, also after a redirect (which is not followed).
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!call.body.empty() || call.method == "POST" || call.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(call.body.size()));
  }
  kube::SetCurlTls(c, call.tls);  // call outlives the transfer
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& h) {
    curl_slist* head = curl_slist_append(headers.get(), h.c_str());
    if (head == nullptr) return false;  // the old list is unchanged
    (void)headers.release();
    headers.reset(head);
    return true;
  };
  for (const auto& h : call.headers) {
    if (!add_header(h)) return MakeError(ErrorCode::kInternal, "out of memory");
  }
  // No "Expect: 100-continue" round trip before a POST body.
  if (!add_header("Expect:"))
    return MakeError(ErrorCode::kInternal, "out of memory");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string what =
        call.method + " " + call.url + ": " + curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return MakeError(ErrorCode::kDeadlineExceeded, what);
    return MakeError(ErrorCode::kUnavailable, what);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
      type != nullptr) {
    answer.content_type = type;
  }
  return answer;
}

}  // namespace sealsync::sealctl
