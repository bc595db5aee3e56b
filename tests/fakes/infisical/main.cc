// infisical-double: a local stand-in for the Infisical API (see README.md).
//
//   infisical-double --seed FILE [--port 0] [--host 127.0.0.1]
//                    [--tls-cert PEM --tls-key PEM] [--quiet]
//                    [--exit-on-stdin-eof]
//
// The first stdout line is `listening on 127.0.0.1:PORT`.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/fakes/infisical/double_server.h"
#include "tests/fakes/infisical/http_transport.h"

namespace {

using sealsync::infisical_double::Json;

int Usage(const std::string& msg) {
  std::cerr
      << "infisical-double: error: " << msg << "\n"
      << "usage: infisical-double --seed FILE [--port N] [--host ADDR] "
         "[--tls-cert PEM --tls-key PEM] [--quiet] [--exit-on-stdin-eof]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  sealsync::infisical_double::TransportOptions opts;
  std::string seed_path;
  bool quiet = false, exit_on_eof = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc) return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (a == "--seed" && (v = next())) {
      seed_path = *v;
    } else if (a == "--port" && (v = next())) {
      try {
        int p = std::stoi(*v);
        if (p < 0 || p > 65535) return Usage("--port out of range");
        opts.port = static_cast<unsigned short>(p);
      } catch (const std::exception&) {
        return Usage("--port wants a number");
      }
    } else if (a == "--host" && (v = next())) {
      opts.host = *v;
    } else if (a == "--tls-cert" && (v = next())) {
      opts.tls_cert = *v;
    } else if (a == "--tls-key" && (v = next())) {
      opts.tls_key = *v;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--exit-on-stdin-eof") {
      exit_on_eof = true;
    } else {
      return Usage("unknown or incomplete flag " + a);
    }
  }
  if (opts.tls_cert.has_value() != opts.tls_key.has_value())
    return Usage("--tls-cert and --tls-key go together");

  Json seed_json = Json::object();
  if (!seed_path.empty()) {
    std::ifstream f(seed_path);
    if (!f) return Usage("cannot read --seed " + seed_path);
    std::stringstream buf;
    buf << f.rdbuf();
    try {
      seed_json = Json::parse(buf.str());
    } catch (const std::exception& e) {
      return Usage("--seed " + seed_path + " is not JSON: " + e.what());
    }
  }
  auto seed = sealsync::infisical_double::ParseSeed(seed_json);
  if (!seed) return Usage("--seed " + seed_path + ": " + seed.error());

  if (exit_on_eof) {
    // The parent holds our stdin; when it goes away, so do we.
    std::thread([] {
      char buf[256];
      while (read(STDIN_FILENO, buf, sizeof buf) > 0) {
      }
      std::_Exit(0);
    }).detach();
  }

  sealsync::infisical_double::DoubleServer server(std::move(*seed),
                                                  quiet ? nullptr : &std::cerr);
  std::string err = sealsync::infisical_double::Serve(server, opts, std::cout);
  std::cerr << "infisical-double: error: " << err << "\n";
  return 1;
}
