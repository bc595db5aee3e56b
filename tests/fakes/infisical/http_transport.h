// Serving a `DoubleServer` over HTTP/1.1 (optionally TLS) with Boost.Beast.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "tests/fakes/infisical/double_server.h"

namespace sealsync::infisical_double {

struct TransportOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0 = a free port chosen by the kernel
  std::optional<std::string> tls_cert, tls_key;  // PEM files; both or neither
};

// Binds, writes `listening on HOST:PORT` as the first line of `out` (flushed),
// then accepts forever: one thread per connection, keep-alive honoured.
// Returns a message only if binding or the TLS setup fails.
[[nodiscard]] std::string Serve(DoubleServer& server,
                                const TransportOptions& opts,
                                std::ostream& out);

}  // namespace sealsync::infisical_double
