// InfisicalClient: the vault::Client over Infisical's REST API. Composes the
// TokenCache (one token per identity), the ListCache (one list call per scope
// per max_age, ETag revalidation) and InfisicalApi (requests, host gate).
#pragma once

#include <memory>

#include "lib/vault/infisical_api.h"
#include "lib/vault/list_cache.h"
#include "lib/vault/token_cache.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

// Thread-safe.
class InfisicalClient final : public Client {
 public:
  InfisicalClient(const Clock& clock, ClientOptions options);

  Result<void> Verify(const UniversalAuth& auth) override;
  Result<std::shared_ptr<const SecretList>> List(
      const UniversalAuth& auth, const SecretScope& scope,
      const Freshness& fresh) override;
  Result<VaultSecret> Get(const UniversalAuth& auth, const SecretScope& scope,
                          const std::string& name) override;
  ClientStats stats() const override;

 private:
  // Runs `call` with a token; if the server refuses the token, logs in again
  // once and runs it again.
  template <typename T, typename F>
  Result<T> WithToken(const UniversalAuth& auth, F&& call);

  const Clock& clock_;
  Counters counters_;
  InfisicalApi api_;
  TokenCache tokens_;
  ListCache lists_;
};

}  // namespace sealsync::vault
