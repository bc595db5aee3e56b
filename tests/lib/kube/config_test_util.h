// Helpers shared by the kubeconfig and exec-credential tests: scoped
// environment variables, PEM stand-ins (files: tests/support/files.h).
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "lib/base/base64.h"
#include "tests/support/files.h"

namespace sealsync::kube::kubetest {

namespace fs = std::filesystem;
using std::chrono::system_clock;

inline constexpr std::string_view kCanary = "canary-7f3a9c-do-not-log";
inline const std::string kCaPem =
    "-----BEGIN CERTIFICATE-----\nVEVTVC1DQQ==\n-----END CERTIFICATE-----\n";
inline const std::string kCertPem =
    "-----BEGIN CERTIFICATE-----\nVEVTVC1DRVJU\n-----END CERTIFICATE-----\n";
inline const std::string kKeyPem =
    "-----BEGIN TEST KEY-----\nVEVTVC1LRVk=\n-----END TEST KEY-----\n";

inline std::string B64(std::string_view s) { return Base64Encode(AsBytes(s)); }

using sealsync::testing::ReadFile;
using sealsync::testing::TempDir;
using sealsync::testing::WriteFile;

// Replaces every '@' with `dir`.
inline std::string At(std::string s, const std::string& dir) {
  for (size_t at = s.find('@'); at != std::string::npos;
       at = s.find('@', at + dir.size())) {
    s.replace(at, 1, dir);
  }
  return s;
}

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? ::setenv(name, value, 1) : ::unsetenv(name);
  }
  ~ScopedEnv() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace sealsync::kube::kubetest
