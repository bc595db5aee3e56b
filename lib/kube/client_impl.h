// ClientImpl: the Client of sealsync/kube.h over http::Transport (HTTP/1.1:
// every pooled handle holds a connection of its own and a watch holds one for
// its whole life, so HTTP/2 multiplexing would never be used, while its
// framing cost the operator about 15% more CPU per request;
// docs/benchmarks.md, 1,000 SealedSecrets).
#pragma once

#include <memory>
#include <mutex>

#include "lib/http/transport.h"
#include "sealsync/kube.h"

namespace sealsync::kube {

class ClientImpl final : public Client {
 public:
  ClientImpl(RestConfig config, std::unique_ptr<CredentialSource> creds);

  Result<Json> Get(const Resource& r, const ObjectKey& key) override;
  Result<ListResult> List(const Resource& r, std::string_view ns,
                          const ListOptions& opts) override;
  Result<Json> Create(const Resource& r, const Json& obj) override;
  Result<Json> Update(const Resource& r, const Json& obj, bool status) override;
  Result<Json> MergePatch(const Resource& r, const ObjectKey& key,
                          const Json& patch, bool status) override;
  Result<Json> Apply(const Resource& r, const Json& obj,
                     const ApplyOptions& opts, bool status) override;
  Result<void> Delete(const Resource& r, const ObjectKey& key,
                      const DeleteOptions& opts) override;
  Result<void> Watch(const Resource& r, std::string_view ns,
                     const WatchOptions& opts, const WatchHandler& handler,
                     const std::atomic<bool>* stop) override;

 private:
  // Sends a request with a JSON (or patch) body and decodes a JSON answer.
  Result<Json> Call(const std::string& method, const std::string& path,
                    const std::string& content_type, const std::string& body,
                    bool is_create = false);
  Result<http::Request> NewRequest(const std::string& method,
                                   const std::string& path);

  RestConfig config_;
  std::unique_ptr<CredentialSource> creds_;
  http::Transport http_;
};

// Path of a collection or object:
// /api/v1/namespaces/NS/secrets[/NAME][/status].
std::string ResourcePath(const Resource& r, std::string_view ns,
                         std::string_view name = {}, bool status = false);

}  // namespace sealsync::kube
