#include "lib/http/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sealsync::http {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// One request's state, shared with libcurl's callbacks.
struct Transfer {
  Response* resp;
  const BodySink* sink;  // nullptr: collect into resp->body
  const std::atomic<bool>* stop;
  size_t max_bytes;  // 0: no limit
  size_t received = 0;
  bool overflow = false;
  bool stopped_by_us = false;
};

size_t OnBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->max_bytes != 0 && n > t->max_bytes - t->received) {
    t->overflow = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  t->received += n;
  if (t->sink == nullptr) {
    t->resp->body.append(ptr, n);
  } else if (!(*t->sink)(*t->resp, std::string_view(ptr, n))) {
    t->stopped_by_us = true;
    return 0;
  }
  return n;
}

std::string_view Trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' ||
                        v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  return v;
}

// Keeps the status and headers of the last response (after any 1xx), so a
// sink knows the status before the first byte of the body.
size_t OnHeader(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* resp = static_cast<Transfer*>(userdata)->resp;
  std::string_view line(buffer, size * nitems);
  if (line.starts_with("HTTP/")) {
    resp->headers.clear();
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      resp->status =
          std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    }
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  resp->headers.emplace_back(std::move(name),
                             std::string(Trimmed(line.substr(colon + 1))));
  return line.size();
}

int OnProgress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  if (t->stop != nullptr && t->stop->load()) {
    t->stopped_by_us = true;
    return 1;  // abort
  }
  return 0;
}

// Trusts `pem` (not copied: it must outlive the handle's next transfer), or
// the system store when empty.
void SetCa(CURL* c, std::string_view pem) {
  if (pem.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, nullptr);
    return;
  }
  curl_blob ca{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_NOCOPY};
  curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
}

}  // namespace

std::string_view Response::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return {};
}

void Transport::HandleDeleter::operator()(void* curl) const {
  curl_easy_cleanup(static_cast<CURL*>(curl));
}

Transport::Transport(TransportOptions options) : options_(std::move(options)) {
  static CurlGlobal global;
}

Transport::~Transport() = default;

Transport::Handle Transport::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Handle h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  Handle h(curl_easy_init());
  if (h != nullptr) SetUp(h.get());
  return h;
}

void Transport::Release(Handle handle) {
  if (handle == nullptr) return;
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(handle));
}

// Options that never change for this transport are set once per handle: a
// reused handle keeps them (and its connection), and a request then costs
// only the options that differ per request. options_ outlives every handle,
// so its PEM strings are not copied.
void Transport::SetUp(void* handle) const {
  CURL* c = static_cast<CURL*>(handle);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                   options_.version == Version::kHttp2 ? CURL_HTTP_VERSION_2TLS
                                                       : CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  const TlsOptions& tls = options_.tls;
  SetCa(c, tls.ca_pem);
  if (tls.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(tls.client_cert_pem.data()),
                   tls.client_cert_pem.size(), CURL_BLOB_NOCOPY};
    curl_blob key{const_cast<char*>(tls.client_key_pem.data()),
                  tls.client_key_pem.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

Result<Response> Transport::Do(const Request& req) {
  return Perform(req, nullptr, nullptr);
}

Result<Response> Transport::Send(const Request& req, const BodySink& sink,
                                 const std::atomic<bool>* stop) {
  return Perform(req, &sink, stop);
}

Result<Response> Transport::Perform(const Request& req, const BodySink* sink,
                                    const std::atomic<bool>* stop) {
  if (!req.url.starts_with("http://") && !req.url.starts_with("https://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     req.url + ": not an http:// or https:// URL");
  }
  Handle handle = Acquire();
  if (handle == nullptr)
    return MakeError(ErrorCode::kInternal, "libcurl failed to initialise");
  CURL* c = static_cast<CURL*>(handle.get());
  // Every per-request option is set on every request, so nothing of the
  // previous request on this handle carries over.
  Response resp;
  Transfer t{&resp, sink, stop, options_.max_response_bytes};
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
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(req.body.size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);  // no body from before
  }
  // After the body options: they choose POST, this names the real method.
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (!req.ca_pem.empty()) SetCa(c, req.ca_pem);
  Slist headers;
  for (const auto& h : req.headers) {
    curl_slist* head = curl_slist_append(headers.get(), h.c_str());
    if (head == nullptr)
      return MakeError(ErrorCode::kInternal, "out of memory");
    (void)headers.release();  // now part of `head`
    headers.reset(head);
  }
  // No "Expect: 100-continue" round trip before a large body.
  if (curl_slist* head = curl_slist_append(headers.get(), "Expect:")) {
    (void)headers.release();
    headers.reset(head);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode rc = curl_easy_perform(c);

  // Nothing of this request stays on the pooled handle: not the header list
  // (freed below) nor the request's own CA.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  if (!req.ca_pem.empty()) SetCa(c, options_.tls.ca_pem);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) resp.status = status;
  Release(std::move(handle));

  const std::string what = req.method + " " + req.url;
  if (t.overflow) {
    return MakeError(ErrorCode::kResourceExhausted,
                     what + ": answer larger than " +
                         std::to_string(options_.max_response_bytes) +
                         " bytes, refused");
  }
  if (rc == CURLE_OK || t.stopped_by_us) return resp;
  const std::string why = what + ": " + curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return MakeError(ErrorCode::kDeadlineExceeded, why);
  return MakeError(ErrorCode::kUnavailable, why);
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace sealsync::http
