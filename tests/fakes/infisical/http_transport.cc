#include "tests/fakes/infisical/http_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <thread>

namespace sealsync::infisical_double {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t kBodyLimit = 64ull << 20;

template <class Stream>
void ServeConnection(Stream& stream, DoubleServer& server) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) return;
    auto& req = parser.get();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.body = std::move(req.body());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers.try_emplace(name, std::string(f.value()));
    }
    HttpResponse out = server.Handle(in);
    http::response<http::string_body> res{static_cast<http::status>(out.status),
                                          req.version()};
    for (const auto& [k, v] : out.headers) res.set(k, v);
    res.body() = std::move(out.body);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    if (out.status == 304) res.erase(http::field::content_length);
    http::write(stream, res, ec);
    if (ec || !res.keep_alive()) return;
  }
}

}  // namespace

std::string Serve(DoubleServer& server, const TransportOptions& opts,
                  std::ostream& out) {
  asio::io_context ioc;
  std::shared_ptr<asio::ssl::context> tls;
  try {
    if (opts.tls_cert) {
      tls =
          std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
      tls->use_certificate_chain_file(*opts.tls_cert);
      tls->use_private_key_file(*opts.tls_key, asio::ssl::context::pem);
    }
  } catch (const std::exception& e) {
    return std::string("TLS setup failed: ") + e.what();
  }
  tcp::acceptor acceptor(ioc);
  beast::error_code ec;
  tcp::endpoint ep(asio::ip::make_address(opts.host, ec), opts.port);
  if (ec) return "bad --host " + opts.host + ": " + ec.message();
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + opts.host + ":" + std::to_string(opts.port) +
           ": " + ec.message();
  const auto bound = acceptor.local_endpoint();
  out << "listening on " << bound.address().to_string() << ":" << bound.port()
      << std::endl;

  for (;;) {
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (ec) continue;
    std::thread([s = std::move(socket), tls, &server]() mutable {
      beast::error_code ec2;
      if (tls) {
        beast::ssl_stream<tcp::socket> stream(std::move(s), *tls);
        stream.handshake(asio::ssl::stream_base::server, ec2);
        if (ec2) return;
        ServeConnection(stream, server);
        stream.shutdown(ec2);
      } else {
        ServeConnection(s, server);
        s.shutdown(tcp::socket::shutdown_send, ec2);
      }
    }).detach();
  }
}

}  // namespace sealsync::infisical_double
