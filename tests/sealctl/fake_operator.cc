#include "tests/sealctl/fake_operator.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sealsync/api.h"
#include "sealsync/random.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::testing {
namespace {

using Json = nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Decodes a chunked body; nullopt until it is complete.
std::optional<std::string> Dechunk(std::string_view in) {
  std::string out;
  while (true) {
    size_t eol = in.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    size_t size = std::stoul(std::string(in.substr(0, eol)), nullptr, 16);
    in.remove_prefix(eol + 2);
    if (size == 0) return out;
    if (in.size() < size + 2) return std::nullopt;
    out.append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler, std::string address)
    : handler_(std::move(handler)), address_(std::move(address)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (::inet_pton(AF_INET, address_.c_str(), &addr.sin_addr) != 1) return;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
          0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) !=
          0 ||
      ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  if (thread_.joinable()) {
    char c = 0;
    (void)!::write(stop_pipe_[1], &c, 1);
    thread_.join();
  }
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

std::string FakeHttpServer::url() const {
  std::string host = address_ == "0.0.0.0" ? "127.0.0.1" : address_;
  return "http://" + host + ":" + std::to_string(port_);
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void FakeHttpServer::Serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    Answer(fd);
    ::close(fd);
  }
}

void FakeHttpServer::Answer(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string data;
  char buf[8192];
  size_t header_end = std::string::npos;
  FakeRequest req;
  size_t content_length = 0;
  bool chunked = false;
  while (true) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = data.substr(0, header_end);
        size_t eol = head.find("\r\n");
        std::string line = head.substr(0, eol);
        size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
        req.method = line.substr(0, sp1);
        req.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
        while (eol != std::string::npos) {
          size_t next = head.find("\r\n", eol + 2);
          std::string h =
              head.substr(eol + 2, next == std::string::npos ? std::string::npos
                                                             : next - eol - 2);
          size_t colon = h.find(':');
          if (colon != std::string::npos)
            req.headers[Lower(h.substr(0, colon))] = Trim(h.substr(colon + 1));
          eol = next;
        }
        if (req.headers.contains("content-length"))
          content_length = std::stoul(req.headers["content-length"]);
        chunked = Lower(req.headers["transfer-encoding"]) == "chunked";
      }
    }
    if (header_end != std::string::npos) {
      std::string_view rest = std::string_view(data).substr(header_end + 4);
      if (chunked) {
        if (auto body = Dechunk(rest)) {
          req.body = std::move(*body);
          break;
        }
      } else if (rest.size() >= content_length) {
        req.body = std::string(rest.substr(0, content_length));
        break;
      }
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
  }
  FakeReply reply = handler_(req);
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " Fake\r\n" +
                    "Content-Type: " + reply.content_type + "\r\n" +
                    "Content-Length: " + std::to_string(reply.body.size()) +
                    "\r\nConnection: close\r\n\r\n" + reply.body;
  WriteAll(fd, out);
}

FakeOperator::FakeOperator(std::vector<X25519Identity> keys,
                           std::string address)
    : keys_(std::move(keys)),
      server_([this](const FakeRequest& r) { return Handle(r); },
              std::move(address)) {}

void FakeOperator::SetCannedReply(std::optional<FakeReply> reply) {
  std::lock_guard<std::mutex> lock(mu_);
  canned_ = std::move(reply);
}

FakeReply FakeOperator::Handle(const FakeRequest& req) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (canned_) return *canned_;
  }
  auto verdict = [](bool ok, std::string reason, std::string message,
                    std::vector<std::string> ids) {
    return Json{{"ok", ok},
                {"reason", std::move(reason)},
                {"message", std::move(message)},
                {"keyIds", std::move(ids)}}
        .dump();
  };
  bool verify = req.path.ends_with("/v1/verify");
  bool rewrap = req.path.ends_with("/v1/rewrap");
  if (req.method == "GET" && req.path.ends_with("/v1/recipients")) {
    std::string text;
    for (const auto& k : keys_) text += k.recipient().ToString() + "\n";
    return {200, "text/plain; charset=utf-8", text};
  }
  if (req.method != "POST" || (!verify && !rewrap))
    return {404, "text/plain; charset=utf-8", "404 page not found\n"};
  auto obj = api::ParseSealedSecret(req.body);
  if (!obj) {
    return {400, "application/json",
            verdict(false, "Malformed", obj.error().message(), {})};
  }
  if (verify) {
    auto r = sealed::Unseal(*obj, keys_);
    if (!r) {
      return {200, "application/json",
              verdict(false, std::string(sealed::ReasonFor(r.error())),
                      r.error().message(), {})};
    }
    return {200, "application/json",
            verdict(true, "Synced", "can be unsealed", r->key_ids)};
  }
  std::vector<X25519Recipient> to = {keys_.front().recipient()};
  auto out = sealed::Rewrap(*obj, keys_, to, SystemRandom());
  if (!out) {
    return {422, "application/json",
            verdict(false, std::string(sealed::ReasonFor(out.error())),
                    out.error().message(), {})};
  }
  size_t first = req.body.find_first_not_of(" \t\r\n");
  bool json = first != std::string::npos && req.body[first] == '{';
  return {200, json ? "application/json" : "application/yaml",
          api::FormatSealedSecret(*out, json ? api::OutputFormat::kJson
                                             : api::OutputFormat::kYaml)};
}

}  // namespace sealsync::testing
