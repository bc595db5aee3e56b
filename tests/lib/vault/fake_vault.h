// An in-memory vault (sealsync/vault.h) for unit tests of the reconcilers:
// secrets by (project, environment, folder), one valid identity (client id +
// secret), and faults a test sets. No HTTP: the wire format and the sharing
// of lists are tested against the Infisical double (tests/fakes/infisical).
//
//   Verify / List / Get with another identity   kUnauthenticated
//   Fail(code)                                  every call fails with it
//   List of a folder                            its secrets; recursive: and
//                                               every folder below it
// `fetched` of a list is the injected clock's Now(). Counts calls.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "sealsync/clock.h"
#include "sealsync/vault.h"

namespace sealsync::vault::testing {

class FakeVault final : public Client {
 public:
  explicit FakeVault(const Clock& clock) : clock_(clock) {}

  // The identity that may log in (default "id" / "secret").
  void SetIdentity(std::string client_id, std::string client_secret);
  // Stores `value` as `key` in folder `path` ("/" or "/a/b").
  void Put(const std::string& project, const std::string& env,
           const std::string& path, const std::string& key,
           const std::string& value);
  void Remove(const std::string& project, const std::string& env,
              const std::string& path, const std::string& key);
  // Every later call fails with this error (nullopt: none).
  void Fail(std::optional<Error> error);

  Result<void> Verify(const UniversalAuth& auth) override;
  Result<std::shared_ptr<const SecretList>> List(
      const UniversalAuth& auth, const SecretScope& scope,
      const Freshness& fresh) override;
  Result<VaultSecret> Get(const UniversalAuth& auth, const SecretScope& scope,
                          const std::string& name) override;
  ClientStats stats() const override;

 private:
  Result<void> Check(const UniversalAuth& auth) const;  // lock held

  const Clock& clock_;
  mutable std::mutex mu_;
  std::string client_id_ = "id", client_secret_ = "secret";
  std::optional<Error> fail_;
  // (project, env, folder) -> key -> value
  std::map<std::tuple<std::string, std::string, std::string>,
           std::map<std::string, std::string>>
      secrets_;
  ClientStats stats_;
};

}  // namespace sealsync::vault::testing
