// Test doubles that speak HTTP/1.1 on a real socket, for sealctl's cluster
// commands: FakeHttpServer (any handler) and FakeOperator (the operator API
// contract of operator/api_handlers.h over sealed::Unseal/Rewrap). They
// depend on nothing of operator/, so sealctl's tests do not break while it
// changes.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sealsync/age.h"

namespace sealsync::testing {

struct FakeRequest {
  std::string method;
  std::string path;                            // with any query string
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct FakeReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// A FakeHttpServer answers each connection's one request with `handler`
// (Connection: close), on a background thread, until destroyed. It records
// every request. Thread-safe.
class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;
  // Binds `address` ("127.0.0.1", "0.0.0.0", an address of the calling
  // thread's network namespace) on a free port; port() is 0 if that failed.
  explicit FakeHttpServer(Handler handler, std::string address = "127.0.0.1");
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  // http://ADDRESS:PORT (127.0.0.1 when bound to 0.0.0.0).
  std::string url() const;
  std::vector<FakeRequest> requests() const;

 private:
  void Serve();
  void Answer(int fd);

  Handler handler_;
  std::string address_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

// The operator API (GET /v1/recipients, POST /v1/verify, POST /v1/rewrap)
// with `keys`, newest first, answering on any path that ends in those (so it
// also works behind the API server's service proxy). A canned reply, when
// set, answers every request instead.
class FakeOperator {
 public:
  explicit FakeOperator(std::vector<X25519Identity> keys,
                        std::string address = "127.0.0.1");
  void SetCannedReply(std::optional<FakeReply> reply);
  FakeHttpServer& server() { return server_; }
  std::string url() const { return server_.url(); }

 private:
  FakeReply Handle(const FakeRequest& req);

  std::vector<X25519Identity> keys_;
  std::mutex mu_;
  std::optional<FakeReply> canned_;
  FakeHttpServer server_;  // last: its thread uses the members above
};

}  // namespace sealsync::testing
