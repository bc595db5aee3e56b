// Reading the operator's start-up line from its log (tests and benchmarks
// that run the real binary).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

namespace sealsync::testing {

// The addresses the operator logs once its HTTP servers listen.
struct ServingAddresses {
  std::string health;  // "127.0.0.1:PORT" of /healthz, /readyz, /metrics
  std::string api;     // "127.0.0.1:PORT" of /v1/...
};

// The addresses from the first JSON `"msg":"serving"` line of `log`, or
// nullopt while there is none.
inline std::optional<ServingAddresses> FindServing(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"msg\":\"serving\"") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    return ServingAddresses{j.value("health", ""), j.value("api", "")};
  }
  return std::nullopt;
}

}  // namespace sealsync::testing
