// A running infisical-double (tests/fakes/infisical) for tests: started on
// port 0 with tests/testdata/infisical/seed.json, stdin held so it exits when
// the test process dies, and its /__control/* API at hand.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace sealsync::testing {

class InfisicalDouble {
 public:
  InfisicalDouble();
  ~InfisicalDouble();
  InfisicalDouble(const InfisicalDouble&) = delete;
  InfisicalDouble& operator=(const InfisicalDouble&) = delete;

  // The binary, and whether it exists.
  static std::string Binary();
  static bool Available();

  bool running() const { return port_ > 0; }
  const std::string& first_line() const { return first_line_; }
  // "http://127.0.0.1:PORT/api"
  std::string api_base() const;

  // POST/GET /__control/<path>; a JSON null if the call failed.
  nlohmann::json Control(const std::string& path,
                         const nlohmann::json& body = nullptr);
  // Calls of one endpoint ("login", "renew", "list", "get"), or "total".
  long long Calls(const std::string& endpoint);
  long long CallsWithStatus(const std::string& endpoint, int status);
  void AdvanceClock(double seconds);

 private:
  pid_t pid_ = -1;
  int stdin_w_ = -1, port_ = 0;
  std::string first_line_, log_path_;
};

}  // namespace sealsync::testing
