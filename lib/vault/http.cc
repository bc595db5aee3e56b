#include "lib/vault/http.h"

namespace sealsync::vault {

HttpTransport::HttpTransport(std::string ca_pem, size_t max_body)
    : http_(http::TransportOptions{.tls = {.ca_pem = std::move(ca_pem)},
                                   .version = http::Version::kHttp2,
                                   .max_response_bytes = max_body}) {}

Result<HttpResponse> HttpTransport::Do(const HttpRequest& req) {
  HttpResponse out;
  // Straight into SecureBytes (its growth wipes what it leaves behind): the
  // body never sits in an ordinary string.
  auto sink = [&out](const http::Response&, std::string_view chunk) {
    out.body.insert(out.body.end(), chunk.begin(), chunk.end());
    return true;
  };
  http::Request r{.method = req.method,
                  .url = req.url,
                  .headers = req.headers,
                  .body = AsString(req.body),
                  .timeout = req.timeout,
                  .ca_pem = req.ca_pem};
  auto resp = http_.Send(r, sink);
  if (!resp) return std::unexpected(resp.error());
  out.status = resp->status;
  out.etag = resp->Header("etag");
  out.retry_after = resp->Header("retry-after");
  return out;
}

}  // namespace sealsync::vault
