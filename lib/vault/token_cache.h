// TokenCache: one Infisical access token per (host, client id), shared by
// every caller of that identity.
//
// A slot's token is in one of these states:
//   none     no token, or one obtained with another client secret: the next
//            Acquire logs in.
//   fresh    now < refresh_at (2/3 of expiresIn after it was issued): handed
//            out as is.
//   due      refresh_at <= now: renewed if the renewed token would still end
//            within accessTokenMaxTTL; otherwise handed out until
//            min(expiry, max TTL) - margin, then replaced by a fresh login.
//   expired  expiry or max TTL passed: the next Acquire logs in.
// Token auth (AuthMethod::kToken) has no slot: its token is handed out as is.
// Kubernetes auth has a slot per (identity, ServiceAccount).
// Failed logins block the identity; meanwhile callers get the cached error
// and no request is sent:
//   bad credentials  30 s, then 60 s (for that client secret); the third in a
//                    row blocks every secret of the client id for 300 s, as
//                    Infisical's default lockout would (Universal Auth;
//                    Kubernetes auth has no lockout: 30, 60, 120 s).
//   "locked" answer  300 s, every secret.
//   5xx, network     2 s doubling to 30 s, every secret.
//   429              nothing here: the host gate refuses the calls.
//
// Thread-safe. At most one login or renewal per slot is in flight; callers
// arriving meanwhile keep using a still-valid token or wait for the flight
// and share its outcome.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "lib/vault/infisical_api.h"
#include "sealsync/clock.h"

namespace sealsync::vault {

class TokenCache {
 public:
  TokenCache(const Clock& clock, InfisicalApi& api);

  // A valid token for `auth` (host_api normalized), logging in or renewing
  // when needed. Errors: kUnauthenticated (bad credentials or locked; the
  // message says when the next attempt will be made), kResourceExhausted
  // (host rate limited), kUnavailable, kInternal.
  Result<std::string> Acquire(const UniversalAuth& auth);

  // The server refused `token`: forget it (if still current) so the next
  // Acquire logs in.
  void Invalidate(const UniversalAuth& auth, const std::string& token);

 private:
  struct Slot;
  enum class Plan { kUse, kRenew, kLogin };

  std::shared_ptr<Slot> SlotFor(const UniversalAuth& auth);
  static Plan Decide(const Slot& s, const std::string& fp,
                     Clock::TimePoint now);
  Result<std::string> Fly(Slot& s, std::unique_lock<std::mutex>& lk,
                          const UniversalAuth& auth, const std::string& fp,
                          Plan plan);
  // `lockout`: the method has Infisical's lockout (Universal Auth only).
  static void RecordLoginFailure(Slot& s, const std::string& fp,
                                 const CallError& e, Clock::TimePoint now,
                                 bool lockout);

  const Clock& clock_;
  InfisicalApi& api_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Slot>> slots_;
};

}  // namespace sealsync::vault
