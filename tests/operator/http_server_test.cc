// HttpServer against a real client (libcurl) and raw sockets; RateLimiter on
// a fake clock.
#include "operator/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "operator/api_handlers.h"
#include "operator/key_ring.h"
#include "tests/support/fake_clock.h"

namespace sealsync::op {
namespace {

using namespace std::chrono_literals;

class CurlEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { curl_global_init(CURL_GLOBAL_DEFAULT); }
  void TearDown() override { curl_global_cleanup(); }
};
[[maybe_unused]] auto* const kCurlEnv =
    ::testing::AddGlobalTestEnvironment(new CurlEnvironment);

struct Response {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<long> interim;                   // 1xx statuses seen
  long new_connections = -1;                   // 0 if a connection was reused
  long local_port = 0;
};

// One libcurl easy handle: requests made through the same Client reuse its
// connection when the server keeps it alive.
class Client {
 public:
  Client() : h_(curl_easy_init()) {}
  // Connects from this loopback address (e.g. "127.0.0.2"): another client
  // as the server sees it.
  explicit Client(const std::string& from)
      : h_(curl_easy_init()), from_("host!" + from) {}
  ~Client() { curl_easy_cleanup(h_); }

  Response Do(const std::string& method, const std::string& url,
              const std::string* body = nullptr,
              const std::vector<std::string>& headers = {}) {
    Response r;
    curl_easy_reset(h_);  // keeps the connection cache
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT, 20L);
    if (!from_.empty()) curl_easy_setopt(h_, CURLOPT_INTERFACE, from_.c_str());
    if (body != nullptr) {
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body->size()));
    }
    if (method != "GET" || body != nullptr) {
      curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, &Client::OnBody);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, &Client::OnHeader);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &r);
    r.code = curl_easy_perform(h_);
    curl_slist_free_all(list);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &r.new_connections);
    curl_easy_getinfo(h_, CURLINFO_LOCAL_PORT, &r.local_port);
    return r;
  }

  Response Get(const std::string& url) { return Do("GET", url); }
  Response Post(const std::string& url, const std::string& body,
                const std::vector<std::string>& headers = {}) {
    return Do("POST", url, &body, headers);
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t n, void* user) {
    static_cast<Response*>(user)->body.append(data, size * n);
    return size * n;
  }
  static size_t OnHeader(char* data, size_t size, size_t n, void* user) {
    auto* r = static_cast<Response*>(user);
    std::string line(data, size * n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.pop_back();
    }
    if (line.starts_with("HTTP/")) {  // a status line: a new header block
      long status = std::stol(line.substr(line.find(' ') + 1, 3));
      if (status < 200) r->interim.push_back(status);
      r->headers.clear();
    } else if (auto colon = line.find(':'); colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r->headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    return size * n;
  }

  CURL* h_;
  std::string from_;  // CURLOPT_INTERFACE, or empty
};

// A blocking TCP client for what curl will not do: half-sent requests.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{.tv_sec = 20, .tv_usec = 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawSocket() { close(fd_); }
  bool connected() const { return connected_; }

  bool Send(std::string_view s) {
    return send(fd_, s.data(), s.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(s.size());
  }
  // Reads until `stop` appears in what was read, EOF, error or timeout.
  std::string ReadUntil(std::string_view stop) {
    std::string got;
    char buf[4096];
    while (got.find(stop) == std::string::npos) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, n);
    }
    return got;
  }
  // 0 on orderly EOF, else -errno (-EAGAIN if nothing came in time).
  int WaitForClose() {
    char buf[256];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return 0;
      if (n < 0) return -errno;
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string Url(uint16_t port, const std::string& target) {
  return "http://127.0.0.1:" + std::to_string(port) + target;
}

HttpReply Text(std::string body) {
  HttpReply r;
  r.body = std::move(body);
  return r;
}

// A server on 127.0.0.1:0 with GET /hello and POST /echo.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Handle("GET", "/hello", [](const HttpRequestView&) {
      HttpReply r = Text("hello\n");
      r.content_type = "application/x-test";
      r.headers["X-Thing"] = "42";
      return r;
    });
    server_.Handle("POST", "/echo",
                   [](const HttpRequestView& req) { return Text(req.body); });
  }
  void StartServer() {
    auto port = server_.Start();
    ASSERT_TRUE(port.has_value()) << port.error().message();
    port_ = *port;
  }

  HttpServer server_{"127.0.0.1", 0};
  uint16_t port_ = 0;
};

TEST_F(HttpServerTest, GetRoundTrip) {
  StartServer();
  Client c;
  Response r = c.Get(Url(port_, "/hello"));
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello\n");
  EXPECT_EQ(r.headers["content-type"], "application/x-test");
  EXPECT_EQ(r.headers["x-thing"], "42");
}

TEST_F(HttpServerTest, PostSeesMethodPathQueryHeadersBodyAndPeer) {
  std::mutex mu;
  HttpRequestView seen;
  server_.Handle("POST", "/inspect", [&](const HttpRequestView& req) {
    std::lock_guard lock(mu);
    seen = req;
    return Text("ok");
  });
  StartServer();
  Client c;
  Response r = c.Post(Url(port_, "/inspect?a=1&b=two"), "payload",
                      {"X-Custom-Header: Yes", "X-Custom-Header: Also"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/inspect");
  EXPECT_EQ(seen.query, "a=1&b=two");
  EXPECT_EQ(seen.headers["x-custom-header"], "Yes, Also");
  EXPECT_EQ(seen.headers["content-length"], "7");
  EXPECT_EQ(seen.headers.count("X-Custom-Header"), 0u);
  EXPECT_EQ(seen.body, "payload");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
}

TEST_F(HttpServerTest, BinaryBodyRoundTrips) {
  StartServer();
  std::string body;
  for (int i = 0; i < 100000; ++i) body += static_cast<char>(i * 7);
  Client c;
  Response r = c.Post(Url(port_, "/echo"), body);
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
}

TEST_F(HttpServerTest, UnknownPathIs404AndOtherMethodIs405) {
  StartServer();
  Client c;
  Response missing = c.Get(Url(port_, "/nope"));
  EXPECT_EQ(missing.status, 404);
  Response prefix = c.Get(Url(port_, "/hello/"));  // exact match only
  EXPECT_EQ(prefix.status, 404);
  Response wrong = c.Post(Url(port_, "/hello"), "x");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET");
  Response del = c.Do("DELETE", Url(port_, "/echo"));
  EXPECT_EQ(del.status, 405);
  EXPECT_EQ(del.headers["allow"], "POST");
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  server_.SetMaxBodyBytes(16);
  StartServer();
  Client c;
  Response at_limit = c.Post(Url(port_, "/echo"), std::string(16, 'a'));
  EXPECT_EQ(at_limit.status, 200);
  EXPECT_EQ(at_limit.body, std::string(16, 'a'));
  Response over = c.Post(Url(port_, "/echo"), std::string(17, 'a'));
  ASSERT_EQ(over.code, CURLE_OK) << curl_easy_strerror(over.code);
  EXPECT_EQ(over.status, 413);
  // A body far past the limit: the reply still arrives (no reset).
  Client big;
  Response huge = big.Post(Url(port_, "/echo"), std::string(2 << 20, 'b'));
  ASSERT_EQ(huge.code, CURLE_OK) << curl_easy_strerror(huge.code);
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(c.Post(Url(port_, "/echo"), "still fine").status, 200);
}

// A client that writes its whole oversized body before reading still gets
// the 413: the server reads and discards the body rather than reset.
TEST_F(HttpServerTest, RawClientSendingWholeOversizedBodyGets413) {
  server_.SetMaxBodyBytes(16);
  StartServer();
  RawSocket s(port_);
  ASSERT_TRUE(s.connected());
  std::string body(4 << 20, 'd');
  ASSERT_TRUE(s.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_TRUE(s.Send(body));
  std::string got = s.ReadUntil("too large\n");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << got;
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  server_.SetMaxBodyBytes(16);
  StartServer();
  RawSocket s(port_);
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(
      s.Send("POST /echo HTTP/1.1\r\nHost: x\r\n"
             "Transfer-Encoding: chunked\r\n\r\n"
             "8\r\n12345678\r\n8\r\n12345678\r\n"  // 16: at the limit
             "1\r\nX\r\n0\r\n\r\n"));              // 17: over
  std::string got = s.ReadUntil("\x01");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << got;
}

TEST_F(HttpServerTest, AnswersExpect100Continue) {
  StartServer();
  Client c;
  std::string body(5000, 'e');
  Response r = c.Post(Url(port_, "/echo"), body, {"Expect: 100-continue"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.interim, std::vector<long>{100});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer();
  Client c;
  Response first = c.Get(Url(port_, "/hello"));
  Response second = c.Post(Url(port_, "/echo"), "again");
  ASSERT_EQ(first.code, CURLE_OK);
  ASSERT_EQ(second.code, CURLE_OK);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.body, "again");
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(second.new_connections, 0);
  EXPECT_EQ(first.local_port, second.local_port);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  RawSocket s(port_);
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(
      s.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string got = s.ReadUntil("\x01");  // everything, up to EOF
  EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  EXPECT_TRUE(got.ends_with("hello\n")) << got;
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  StartServer();
  RawSocket s(port_);
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(s.Send("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"));
  std::string got = s.ReadUntil("\x01");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400 Bad Request\r\n")) << got;
}

TEST_F(HttpServerTest, HandlerThatThrowsGets500) {
  server_.Handle("GET", "/boom", [](const HttpRequestView&) -> HttpReply {
    throw std::runtime_error("boom");
  });
  server_.Handle("GET", "/teapot", [](const HttpRequestView&) {
    HttpReply r;
    r.status = 1000;  // invalid
    return r;
  });
  StartServer();
  Client c;
  EXPECT_EQ(c.Get(Url(port_, "/boom")).status, 500);
  EXPECT_EQ(c.Get(Url(port_, "/teapot")).status, 500);
  EXPECT_EQ(c.Get(Url(port_, "/hello")).status, 200);
}

TEST_F(HttpServerTest, ServesConcurrentClients) {
  std::atomic<int> handled{0};
  server_.Handle("POST", "/count", [&](const HttpRequestView& req) {
    ++handled;
    return Text(req.body);
  });
  StartServer();
  constexpr int kClients = 8;
  constexpr int kRequests = 25;
  std::vector<std::future<int>> ok;
  for (int t = 0; t < kClients; ++t) {
    ok.push_back(std::async(std::launch::async, [&, t] {
      Client c;
      int matched = 0;
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + "/" + std::to_string(i);
        Response r = c.Post(Url(port_, "/count"), body);
        if (r.code == CURLE_OK && r.status == 200 && r.body == body) ++matched;
      }
      return matched;
    }));
  }
  for (auto& f : ok) EXPECT_EQ(f.get(), kRequests);
  EXPECT_EQ(handled.load(), kClients * kRequests);
}

// Stop() must return (not hang) with clients connected; they see the close.
TEST_F(HttpServerTest, StopClosesIdleAndHalfSentConnections) {
  StartServer();
  Client idle;
  ASSERT_EQ(idle.Get(Url(port_, "/hello")).status, 200);  // kept alive
  RawSocket half(port_);
  ASSERT_TRUE(half.connected());
  ASSERT_TRUE(half.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(half.ReadUntil("hello\n").find("hello\n"), std::string::npos);
  ASSERT_TRUE(half.Send("GET /hel"));  // a request cut short

  // A hung Stop() cannot be cancelled: report it and end the binary rather
  // than block in a future's destructor.
  auto done = std::make_shared<std::promise<void>>();
  auto stopped = done->get_future();
  std::thread([this, done] {
    server_.Stop();
    done->set_value();
  }).detach();
  if (stopped.wait_for(20s) != std::future_status::ready) {
    std::fprintf(stderr, "Stop() hung with clients connected\n");
    std::abort();
  }
  int closed = half.WaitForClose();
  EXPECT_TRUE(closed == 0 || closed == -ECONNRESET) << closed;
  Response after = idle.Get(Url(port_, "/hello"));
  EXPECT_NE(after.code, CURLE_OK);
  server_.Stop();  // idempotent
}

TEST_F(HttpServerTest, StartPicksAFreePortAndCanRestart) {
  StartServer();
  EXPECT_NE(port_, 0);
  EXPECT_EQ(server_.Start().error().code(), ErrorCode::kFailedPrecondition);

  HttpServer other("127.0.0.1", 0);
  auto other_port = other.Start();
  ASSERT_TRUE(other_port.has_value());
  EXPECT_NE(*other_port, port_);

  HttpServer clash("127.0.0.1", port_);
  auto clashed = clash.Start();
  ASSERT_FALSE(clashed.has_value());
  EXPECT_EQ(clashed.error().code(), ErrorCode::kUnavailable);

  server_.Stop();
  StartServer();
  Client c;
  EXPECT_EQ(c.Get(Url(port_, "/hello")).status, 200);
}

TEST(HttpServer, StopBeforeStartAndBadAddress) {
  HttpServer never("127.0.0.1", 0);
  never.Stop();
  never.Stop();
  HttpServer bad("not-an-address", 0);
  auto r = bad.Start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

// RateLimiter ---------------------------------------------------------------

using sealsync::testing::FakeClock;

int Drain(RateLimiter& limiter) {
  int n = 0;
  while (limiter.Allow() && n < 1000) ++n;
  return n;
}

TEST(RateLimiter, AllowsBurstThenLimits) {
  FakeClock clock;
  RateLimiter limiter(1, 3, clock);
  EXPECT_TRUE(limiter.Allow());
  EXPECT_TRUE(limiter.Allow());
  EXPECT_TRUE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
}

TEST(RateLimiter, RefillsAtRateUpToBurst) {
  FakeClock clock;
  RateLimiter limiter(2, 3, clock);
  EXPECT_EQ(Drain(limiter), 3);
  clock.Advance(250ms);  // half a token
  EXPECT_FALSE(limiter.Allow());
  clock.Advance(250ms);  // the other half
  EXPECT_TRUE(limiter.Allow());
  EXPECT_FALSE(limiter.Allow());
  clock.Advance(1000ms);
  EXPECT_EQ(Drain(limiter), 2);
  clock.Advance(1h);  // capped at the burst
  EXPECT_EQ(Drain(limiter), 3);
}

TEST(RateLimiter, DegenerateSettingsDoNotMintTokens) {
  FakeClock clock;
  RateLimiter no_refill(0, 2, clock);
  EXPECT_EQ(Drain(no_refill), 2);
  clock.Advance(1h);
  EXPECT_EQ(Drain(no_refill), 0);
  RateLimiter negative(-5, 1, clock);
  EXPECT_EQ(Drain(negative), 1);
  clock.Advance(1h);
  EXPECT_EQ(Drain(negative), 0);
  RateLimiter tiny_burst(100, 0.5, clock);
  clock.Advance(1h);
  EXPECT_FALSE(tiny_burst.Allow());
}

TEST(RateLimiter, ConcurrentCallersShareTheBurst) {
  FakeClock clock;  // frozen: no refill during the test
  RateLimiter limiter(1, 100, clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (limiter.Allow()) ++allowed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(ClientRateLimiter, EachClientHasItsOwnBucket) {
  FakeClock clock;
  ClientRateLimiter limiter(1, 3, 16, clock);
  int noisy = 0;
  while (limiter.Allow("10.0.0.9") && noisy < 1000) ++noisy;
  EXPECT_EQ(noisy, 3);
  EXPECT_TRUE(limiter.Allow("10.0.0.1"));  // another client is untouched
  clock.Advance(1s);
  EXPECT_TRUE(limiter.Allow("10.0.0.9"));  // refilled at its rate
  EXPECT_FALSE(limiter.Allow("10.0.0.9"));
}

TEST(ClientRateLimiter, TableIsBoundedAndForgetsIdleClientsFirst) {
  FakeClock clock;
  ClientRateLimiter limiter(1, 2, 4, clock);
  ASSERT_TRUE(limiter.Allow("idle"));
  clock.Advance(5s);  // "idle" is full again: nothing to remember
  ASSERT_TRUE(limiter.Allow("busy"));
  ASSERT_TRUE(limiter.Allow("busy"));
  ASSERT_FALSE(limiter.Allow("busy"));
  ASSERT_TRUE(limiter.Allow("x"));
  ASSERT_TRUE(limiter.Allow("y"));
  ASSERT_TRUE(limiter.Allow("z"));  // the table was full: "idle" goes
  EXPECT_EQ(limiter.clients(), 4u);
  EXPECT_FALSE(limiter.Allow("busy"));  // still remembered as empty
  for (int i = 0; i < 1000; ++i) (void)limiter.Allow("c" + std::to_string(i));
  EXPECT_LE(limiter.clients(), 4u);
}

// Through the real API routes: a client flooding /v1/verify gets 429, while
// a client from another address is still served.
TEST(ApiLimits, AFloodingClientIsRefusedAlone) {
  FakeClock clock;  // frozen: no refill
  KeyRing ring;
  HttpServer server("127.0.0.1", 0);
  RegisterApi(server, ring, SystemRandom(),
              {.per_second = 1,
               .burst = 5,
               .total_per_second = 1,
               .total_burst = 50,
               .clock = &clock});
  auto port = server.Start();
  ASSERT_TRUE(port.has_value());
  const std::string url =
      "http://127.0.0.1:" + std::to_string(*port) + "/v1/verify";
  const std::string body = "not: [a sealed secret";
  Client noisy("127.0.0.2"), quiet("127.0.0.1");
  int served = 0, refused = 0;
  for (int i = 0; i < 40; ++i) {
    Response r = noisy.Do("POST", url, &body);
    ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    (r.status == 429 ? refused : served)++;
  }
  EXPECT_EQ(served, 5);
  EXPECT_EQ(refused, 35);
  Response ok = quiet.Do("POST", url, &body);
  EXPECT_EQ(ok.status, 400) << ok.body;  // served: the body is malformed
  server.Stop();
}

}  // namespace
}  // namespace sealsync::op
