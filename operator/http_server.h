// HttpServer: a small HTTP/1.1 server (Boost.Beast) for the operator's
// health, metrics and public API endpoints (throttled with the limiters of
// operator/rate_limiter.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "operator/rate_limiter.h"
#include "sealsync/clock.h"
#include "sealsync/error.h"

namespace sealsync::op {

struct HttpRequestView {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // without the query string
  std::string query;                           // raw, without '?'
  std::map<std::string, std::string> headers;  // lower-case names; repeated
                                               // fields joined with ", "
  std::string body;
  std::string remote_address;  // the peer's IP, e.g. "127.0.0.1"
};

// What a handler answers. A status outside 100-599 is sent as 500.
struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers
};

// A handler that throws gets a 500 reply; the server keeps running.
using HttpHandler = std::function<HttpReply(const HttpRequestView&)>;

// An HttpServer serves HTTP/1.1 with keep-alive on one background io thread:
// handlers run there, one at a time, so keep them short. Malformed requests
// get 400, oversized headers 431, oversized bodies 413 (then the connection
// closes); "Expect: 100-continue" is honoured. Idle connections close after
// a minute. Handle() and SetMaxBodyBytes() take effect at the next Start();
// Start() and Stop() are thread-safe, but neither may be called from a
// handler.
class HttpServer {
 public:
  // `address` like "127.0.0.1" or "0.0.0.0"; port 0 picks a free port.
  HttpServer(std::string address, uint16_t port);
  ~HttpServer();

  // Routes an exact (method, path). Unknown paths get 404, a known path with
  // another method 405 (with an Allow header). Register before Start().
  void Handle(const std::string& method, const std::string& path,
              HttpHandler handler);

  // Limits request bodies (default 1 MiB): larger ones get 413.
  void SetMaxBodyBytes(size_t n);

  // Binds and starts serving on a background thread. Returns the bound port.
  // kUnavailable if the address cannot be bound, kInvalidArgument if it is
  // not an IP address, kFailedPrecondition if already started.
  Result<uint16_t> Start();
  // Stops accepting, closes connections (a handler already running finishes
  // first; its reply is dropped), joins the thread. Idempotent; the server
  // may be started again afterwards.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sealsync::op
