// http::Transport against a real socket (FakeHttpServer): what every caller
// relies on, whichever outside world it talks to.
#include "lib/http/transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/sealctl/fake_operator.h"

namespace sealsync::http {
namespace {

using sealsync::testing::FakeHttpServer;
using sealsync::testing::FakeReply;
using sealsync::testing::FakeRequest;

TEST(HttpTransport, SendsMethodHeadersAndBodyAndReturnsTheAnswer) {
  FakeHttpServer server([](const FakeRequest& r) {
    return FakeReply{201, "text/plain", r.method + " " + r.body};
  });
  ASSERT_NE(server.port(), 0);
  Transport t;
  const std::string body = "{\"a\":1}";
  auto r = t.Do({.method = "PATCH",
                 .url = server.url() + "/x?q=1",
                 .headers = {"Content-Type: application/json", "X-One: 1"},
                 .body = body});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "PATCH {\"a\":1}");
  EXPECT_EQ(r->Header("content-type"), "text/plain");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, "/x?q=1");
  EXPECT_EQ(seen[0].headers["x-one"], "1");
  EXPECT_EQ(seen[0].headers.count("expect"), 0u);
}

TEST(HttpTransport, AnErrorStatusIsAnAnswer) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{503, "text/plain", "busy"};
  });
  Transport t;
  auto r = t.Do({.url = server.url() + "/"});
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "busy");
}

TEST(HttpTransport, AnswerOverTheCapIsRefusedWhileItArrives) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{200, "text/plain", std::string(100000, 'x')};
  });
  Transport capped({.max_response_bytes = 4096});
  auto r = capped.Do({.url = server.url() + "/big"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message().find("larger than 4096 bytes"),
            std::string::npos)
      << r.error().message();
  // Exactly at the cap is fine.
  Transport exact({.max_response_bytes = 100000});
  auto ok = exact.Do({.url = server.url() + "/big"});
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_EQ(ok->body.size(), 100000u);
}

TEST(HttpTransport, OnlyHttpAndHttpsUrls) {
  Transport t;
  for (std::string url : {"ftp://127.0.0.1/x", "file:///etc/passwd",
                          "gopher://127.0.0.1/", "127.0.0.1:80"}) {
    auto r = t.Do({.url = url});
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << url;
    EXPECT_NE(r.error().message().find("not an http:// or https:// URL"),
              std::string::npos);
  }
}

TEST(HttpTransport, NothingListeningIsUnavailableAndNamesTheRequest) {
  int port = 0;
  {
    FakeHttpServer gone([](const FakeRequest&) { return FakeReply{}; });
    port = gone.port();
  }
  Transport t;
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/verify";
  auto r = t.Do({.method = "POST", .url = url, .body = "canary-body"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("POST " + url), std::string::npos);
  EXPECT_EQ(r.error().message().find("canary-body"), std::string::npos);
}

TEST(HttpTransport, SendHandsTheBodyToTheSinkAndASinkMayStop) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeReply{200, "text/plain", std::string(50000, 'y')};
  });
  Transport t;
  size_t got = 0;
  long status_seen = 0;
  auto all = t.Send({.url = server.url() + "/"},
                    [&](const Response& head, std::string_view chunk) {
                      status_seen = head.status;
                      got += chunk.size();
                      return true;
                    });
  ASSERT_TRUE(all.has_value()) << all.error().message();
  EXPECT_EQ(status_seen, 200);
  EXPECT_EQ(got, 50000u);
  EXPECT_EQ(all->body, "");  // the sink had it
  // A sink that has seen enough ends the transfer quietly.
  int calls = 0;
  auto stopped = t.Send({.url = server.url() + "/"},
                        [&](const Response&, std::string_view) {
                          ++calls;
                          return false;
                        });
  ASSERT_TRUE(stopped.has_value()) << stopped.error().message();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stopped->status, 200);
}

TEST(HttpTransport, HandlesAreReusedAcrossRequestsAndThreads) {
  FakeHttpServer server([](const FakeRequest& r) {
    return FakeReply{200, "text/plain", r.path};
  });
  Transport t;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 10; ++j) {
        std::string path = "/" + std::to_string(i) + "/" + std::to_string(j);
        auto r = t.Do({.url = server.url() + path});
        if (r && r->body == path) ++right;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 40);
}

TEST(UrlEncode, EscapesEverythingButUnreservedCharacters) {
  EXPECT_EQ(UrlEncode("app in (a,b),x!=y"),
            "app%20in%20%28a%2Cb%29%2Cx%21%3Dy");
  EXPECT_EQ(UrlEncode("metadata.name=w"), "metadata.name%3Dw");
  EXPECT_EQ(UrlEncode("/a b&c=d"), "%2Fa%20b%26c%3Dd");
  EXPECT_EQ(UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(UrlEncode("\xff\x01"), "%FF%01");
}

}  // namespace
}  // namespace sealsync::http
