// A running infisical-double (tests/fakes/infisical) for tests: started on
// port 0 with tests/testdata/infisical/seed.json, stdin held so it exits when
// the test process dies, and its /__control/* API at hand.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sealsync::testing {

class InfisicalDouble {
 public:
  InfisicalDouble();
  // Served over https with `cert_file` / `key_file` (a certificate for
  // 127.0.0.1); the control API then trusts `cert_file` too.
  InfisicalDouble(const std::string& cert_file, const std::string& key_file);
  ~InfisicalDouble();
  InfisicalDouble(const InfisicalDouble&) = delete;
  InfisicalDouble& operator=(const InfisicalDouble&) = delete;

  // The binary, and whether it exists.
  static std::string Binary();
  static bool Available();

  bool running() const { return port_ > 0; }
  const std::string& first_line() const { return first_line_; }
  // "http://127.0.0.1:PORT/api" (https with TLS)
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
  void Start(const std::vector<std::string>& extra);
  std::string first_line_, log_path_;
  std::string tls_cert_;  // set when serving https
};

}  // namespace sealsync::testing
