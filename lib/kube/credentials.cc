// Credential sources: a static token, a token file re-read as it rotates,
// or none (client certificates are handled by TLS).
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "lib/kube/client_impl.h"
#include "lib/kube/exec_credential.h"

namespace sealsync::kube {
namespace {

class StaticToken final : public CredentialSource {
 public:
  explicit StaticToken(std::string token)
      : header_(token.empty() ? "" : "Bearer " + token) {}
  Result<std::string> AuthorizationHeader() override { return header_; }

 private:
  std::string header_;
};

// Re-reads the file whenever its modification time changes (projected
// service account tokens are rotated in place by the kubelet).
class TokenFile final : public CredentialSource {
 public:
  explicit TokenFile(std::string path) : path_(std::move(path)) {}
  Result<std::string> AuthorizationHeader() override {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "cannot read token file " + path_);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (st.st_mtim.tv_sec != mtime_.tv_sec ||
        st.st_mtim.tv_nsec != mtime_.tv_nsec || header_.empty()) {
      std::ifstream f(path_);
      std::stringstream buf;
      buf << f.rdbuf();
      std::string token = buf.str();
      while (!token.empty() &&
             std::isspace(static_cast<unsigned char>(token.back()))) {
        token.pop_back();
      }
      if (token.empty()) {
        return MakeError(ErrorCode::kUnauthenticated,
                         "token file " + path_ + " is empty");
      }
      header_ = "Bearer " + token;
      mtime_ = st.st_mtim;
    }
    return header_;
  }

 private:
  std::string path_;
  std::mutex mu_;
  timespec mtime_{};
  std::string header_;
};

// Runs the exec plugin on first use and again a minute before the token it
// returned expires. Only tokens are used: client certificates returned by a
// plugin are not supported yet (kUnimplemented).
class ExecPlugin final : public CredentialSource {
 public:
  explicit ExecPlugin(ExecConfig config) : config_(std::move(config)) {}
  Result<std::string> AuthorizationHeader() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::system_clock::now();
    if (header_.empty() ||
        (expiry_ && now + std::chrono::minutes(1) >= *expiry_)) {
      auto cred = RunExecPlugin(config_);
      if (!cred) return std::unexpected(cred.error());
      if (cred->token.empty()) {
        return MakeError(
            ErrorCode::kUnimplemented,
            "exec plugin " + config_.command +
                " returned a client certificate; only tokens are supported");
      }
      header_ = "Bearer " + cred->token;
      expiry_ = cred->expiration;
    }
    return header_;
  }

 private:
  ExecConfig config_;
  std::mutex mu_;
  std::string header_;
  std::optional<std::chrono::system_clock::time_point> expiry_;
};

}  // namespace

// Precedence as client-go: an exec plugin, else the token file (re-read as
// it rotates), else the static token.
std::unique_ptr<CredentialSource> MakeCredentialSource(
    const RestConfig& config) {
  if (config.exec) return std::make_unique<ExecPlugin>(*config.exec);
  if (!config.token_file.empty())
    return std::make_unique<TokenFile>(config.token_file);
  return std::make_unique<StaticToken>(config.bearer_token);
}

}  // namespace sealsync::kube
