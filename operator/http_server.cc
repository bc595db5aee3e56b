#include "operator/http_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace sealsync::op {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// How long a connection may sit between requests, or take to send one.
constexpr auto kReadTimeout = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
// After a 4xx that leaves a request body unread, the rest of it is read and
// discarded for a while before closing, so that the kernel does not answer
// the unread bytes with a reset that loses our reply at the client.
constexpr auto kDrainTimeout = std::chrono::seconds(2);
constexpr size_t kDrainLimit = 8u << 20;
// Pause before accepting again after an accept error (e.g. out of fds).
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// The route table as frozen at Start(): path -> method -> handler.
struct Routes {
  std::map<std::string, std::map<std::string, HttpHandler>> by_path;
  size_t max_body_bytes = 1u << 20;
};

// Beast 1.74 speaks boost::string_view.
std::string_view Std(beast::string_view s) { return {s.data(), s.size()}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpReply PlainReply(int status, std::string body) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Looks up and runs the handler of `view`; 404/405/500 where it cannot.
HttpReply Route(const Routes& routes, const HttpRequestView& view) {
  auto path = routes.by_path.find(view.path);
  if (path == routes.by_path.end()) return PlainReply(404, "not found\n");
  auto method = path->second.find(view.method);
  if (method == path->second.end()) {
    HttpReply r = PlainReply(405, "method not allowed\n");
    std::string allow;
    for (const auto& [m, h] : path->second) {
      if (!allow.empty()) allow += ", ";
      allow += m;
    }
    r.headers["Allow"] = allow;
    return r;
  }
  try {
    return method->second(view);
  } catch (...) {
    return PlainReply(500, "internal error\n");
  }
}

class Session;

// What the acceptor and the sessions share. Touched only on the io thread.
struct ServerState {
  ServerState(asio::io_context& ioc, std::shared_ptr<const Routes> r)
      : acceptor(ioc), retry_timer(ioc), routes(std::move(r)) {}

  void Accept();
  // Closes the acceptor and every connection; the io thread's run() returns
  // once their handlers have completed.
  void Shutdown();

  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
  std::shared_ptr<const Routes> routes;
  bool stopping = false;
  std::map<Session*, std::weak_ptr<Session>> sessions;
};

// One connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& state)
      : stream_(std::move(socket)), state_(state) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = peer.address().to_string();
  }
  ~Session() { state_.sessions.erase(this); }

  void Start() {
    state_.sessions[this] = weak_from_this();
    ReadHeader();
  }
  void Close() { stream_.close(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(state_.routes->max_body_bytes);
    stream_.expires_after(kReadTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->OnHeader(ec);
        });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    if (req.version() >= 11 &&
        beast::iequals(req[http::field::expect], "100-continue")) {
      continue_ = http::response<http::empty_body>(http::status::continue_,
                                                   req.version());
      stream_.expires_after(kWriteTimeout);
      http::async_write(
          stream_, continue_,
          [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->Close();
            self->ReadBody();
          });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->OnRequest(ec);
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Send(PlainReply(413, "request body too large\n"), false, true);
    }
    if (ec == http::error::header_limit) {
      return Send(PlainReply(431, "request header too large\n"), false, true);
    }
    if (ec.category() ==
            http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return Send(PlainReply(400, "bad request\n"), false, true);
    }
    // The client went away, timed out, or we are stopping.
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto req = parser_->release();
    HttpRequestView view;
    view.method = std::string(Std(req.method_string()));
    std::string_view target = Std(req.target());
    size_t q = target.find('?');
    view.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos)
      view.query = std::string(target.substr(q + 1));
    for (const auto& field : req) {
      std::string name = Lower(Std(field.name_string()));
      std::string_view value = Std(field.value());
      auto [it, inserted] = view.headers.try_emplace(name, value);
      if (!inserted) {
        it->second += ", ";
        it->second += value;
      }
    }
    view.body = std::move(req.body());
    view.remote_address = remote_address_;
    version_ = req.version();
    Send(Route(*state_.routes, view), req.keep_alive(), false);
  }

  // Writes `reply`; then reads the next request if `keep_alive`, else closes,
  // first draining an unread request body if `drain`.
  void Send(const HttpReply& reply, bool keep_alive, bool drain) {
    res_ = http::response<http::string_body>();
    res_.version(version_);
    int status = reply.status;
    if (status < 100 || status > 599) status = 500;
    res_.result(static_cast<unsigned>(status));
    res_.set(http::field::server, "sealsync");
    for (const auto& [name, value] : reply.headers) {
      // Framing is ours; header injection is not allowed through.
      std::string lower = Lower(name);
      if (lower == "content-length" || lower == "transfer-encoding" ||
          lower == "connection" ||
          name.find_first_of("\r\n:") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        continue;
      }
      res_.set(name, value);
    }
    if (!reply.content_type.empty()) {
      res_.set(http::field::content_type, reply.content_type);
    }
    res_.body() = reply.body;
    res_.keep_alive(keep_alive);
    res_.prepare_payload();

    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), keep_alive, drain](
                          beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (keep_alive) return self->ReadHeader();
                        beast::error_code ignored;
                        self->stream_.socket().shutdown(
                            tcp::socket::shutdown_send, ignored);
                        if (drain) self->Drain();
                      });
  }

  void Drain() {
    if (drain_buf_.empty()) drain_buf_.resize(16 * 1024);
    stream_.expires_after(kDrainTimeout);
    stream_.async_read_some(
        asio::buffer(drain_buf_),
        [self = shared_from_this()](beast::error_code ec, size_t n) {
          self->drained_ += n;
          if (!ec && self->drained_ < kDrainLimit) self->Drain();
        });
  }

  beast::tcp_stream stream_;
  ServerState& state_;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  unsigned version_ = 11;
  http::response<http::empty_body> continue_;
  http::response<http::string_body> res_;
  std::vector<char> drain_buf_;
  size_t drained_ = 0;
};

void ServerState::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      retry_timer.expires_after(kAcceptRetry);
      retry_timer.async_wait([this](beast::error_code ec) {
        if (!ec && !stopping) Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
  });
}

void ServerState::Shutdown() {
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  retry_timer.cancel();
  std::vector<std::shared_ptr<Session>> live;
  for (const auto& [ptr, weak] : sessions) {
    if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (const auto& s : live) s->Close();
}

std::string HostPort(const std::string& address, uint16_t port) {
  if (address.find(':') != std::string::npos) {
    return "[" + address + "]:" + std::to_string(port);
  }
  return address + ":" + std::to_string(port);
}

}  // namespace

struct HttpServer::Impl {
  std::string address;
  uint16_t port;

  std::mutex mu;  // guards everything below
  Routes routes;  // copied for the io thread at Start()
  bool running = false;
  // Destroyed in this order after the thread is joined: state (acceptor,
  // timer) before the io_context it belongs to.
  std::unique_ptr<asio::io_context> ioc;
  std::unique_ptr<ServerState> state;
  std::thread thread;
};

HttpServer::HttpServer(std::string address, uint16_t port)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = std::move(address);
  impl_->port = port;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(const std::string& method, const std::string& path,
                        HttpHandler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->routes.by_path[path][method] = std::move(handler);
}

void HttpServer::SetMaxBodyBytes(size_t n) {
  std::lock_guard lock(impl_->mu);
  impl_->routes.max_body_bytes = n;
}

Result<uint16_t> HttpServer::Start() {
  std::lock_guard lock(impl_->mu);
  const std::string where = HostPort(impl_->address, impl_->port);
  if (impl_->running) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "HTTP server on " + where + " is already started");
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->address, ec);
  if (ec) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "could not start HTTP server: \"" + impl_->address +
                         "\" is not an IP address");
  }

  auto ioc = std::make_unique<asio::io_context>(1);
  auto state = std::make_unique<ServerState>(
      *ioc, std::make_shared<const Routes>(impl_->routes));
  tcp::endpoint endpoint(address, impl_->port);
  tcp::acceptor& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  uint16_t bound = 0;
  if (!ec) bound = acceptor.local_endpoint(ec).port();
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "could not listen on " + where + ": " + ec.message());
  }

  state->Accept();
  impl_->thread = std::thread([io = ioc.get()] {
    // Handlers catch their own exceptions; this keeps the thread serving if
    // something else throws (say, bad_alloc) instead of ending the process.
    for (;;) {
      try {
        io->run();
        return;
      } catch (...) {
      }
    }
  });
  impl_->ioc = std::move(ioc);
  impl_->state = std::move(state);
  impl_->running = true;
  return bound;
}

void HttpServer::Stop() {
  std::unique_ptr<asio::io_context> ioc;
  std::unique_ptr<ServerState> state;
  std::thread thread;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->running) return;
    impl_->running = false;
    ioc = std::move(impl_->ioc);
    state = std::move(impl_->state);
    thread = std::move(impl_->thread);
  }
  asio::post(*ioc, [s = state.get()] { s->Shutdown(); });
  thread.join();
  state.reset();
  ioc.reset();
}

}  // namespace sealsync::op
