#include "lib/vault/token_cache.h"

#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <optional>

namespace sealsync::vault {
namespace {

using std::chrono::seconds;
using Duration = Clock::TimePoint::duration;

constexpr int kAssumedLockoutThreshold = 3;  // Infisical's default
constexpr seconds kLockoutDuration{300};     // Infisical's default
constexpr seconds kBadLoginBackoff{30};
constexpr seconds kTransientBackoff{2}, kTransientBackoffMax{30};
constexpr seconds kFailureMemory{600};  // older failures are forgotten
constexpr seconds kMaxMargin{60};

// A digest of the client secret, to tell secrets apart without keeping them.
std::string Fingerprint(const std::string& secret) {
  static const int init = sodium_init();
  (void)init;
  unsigned char out[16];
  crypto_generichash(out, sizeof out,
                     reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

long long SecondsLeft(Clock::TimePoint until, Clock::TimePoint now) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
  return std::max<long long>(1, (ms.count() + 999) / 1000);
}

}  // namespace

struct TokenCache::Slot {
  std::mutex mu;
  std::condition_variable cv;
  // Single flight: the outcome of the last login/renewal, for its waiters.
  bool busy = false;
  uint64_t flights = 0;
  std::string flight_fp;
  std::optional<Error> flight_error;
  // The token.
  std::string token;
  std::string fp;  // of the client secret that obtained it
  Clock::TimePoint expires_at, refresh_at;
  std::optional<Clock::TimePoint> max_at;
  Duration ttl{};
  // Failed logins.
  int bad_logins = 0, transient_failures = 0;
  Clock::TimePoint last_failure, blocked_until;
  std::string blocked_fp;  // empty: every client secret
  std::optional<Error> block_error;

  bool Usable(const std::string& f, Clock::TimePoint now) const {
    return !token.empty() && fp == f && now < expires_at &&
           (!max_at || now < *max_at);
  }
  bool Blocked(const std::string& f, Clock::TimePoint now) const {
    return block_error && now < blocked_until &&
           (blocked_fp.empty() || blocked_fp == f);
  }
  // The cached error, saying when the next attempt will be made.
  Error BlockError(Clock::TimePoint now) const {
    return Error(block_error->code(),
                 block_error->message() + "; next login attempt in " +
                     std::to_string(SecondsLeft(blocked_until, now)) + " s");
  }
};

TokenCache::TokenCache(const Clock& clock, InfisicalApi& api)
    : clock_(clock), api_(api) {}

std::shared_ptr<TokenCache::Slot> TokenCache::SlotFor(
    const UniversalAuth& auth) {
  std::lock_guard lock(mu_);
  // Per trust too: a store with another CA bundle for the same host is
  // another path to it (its failures, backoff included, are its own).
  std::string where = auth.host_api;
  if (!auth.ca_pem.empty())
    where += "\nca:" + std::to_string(std::hash<std::string>{}(auth.ca_pem));
  // Kubernetes auth: one slot per (identity, ServiceAccount), so a store
  // naming another ServiceAccount for the same identity logs in itself.
  std::string who = auth.client_id;
  if (auth.method == AuthMethod::kKubernetes)
    who = "kubernetes:" + auth.client_id + "|" + auth.service_account;
  auto& slot = slots_[{where, who}];
  if (!slot) slot = std::make_shared<Slot>();
  return slot;
}

TokenCache::Plan TokenCache::Decide(const Slot& s, const std::string& fp,
                                    Clock::TimePoint now) {
  if (!s.Usable(fp, now)) return Plan::kLogin;
  if (now < s.refresh_at) return Plan::kUse;
  if (!s.max_at || now + s.ttl <= *s.max_at) return Plan::kRenew;
  // Renewal would pass the max TTL: use the token up to near its end.
  const auto end = std::min(s.expires_at, *s.max_at);
  const Duration margin = std::min<Duration>(s.ttl / 3, kMaxMargin);
  return now < end - margin ? Plan::kUse : Plan::kLogin;
}

Result<std::string> TokenCache::Acquire(const UniversalAuth& auth) {
  // Token auth: the token is the credential; nothing to log in or renew.
  if (auth.method == AuthMethod::kToken) return auth.client_secret;
  // Kubernetes auth: every login sends a new ServiceAccount token, so the
  // credential that tells logins apart is the ServiceAccount itself.
  const std::string fp =
      Fingerprint(auth.method == AuthMethod::kKubernetes ? auth.service_account
                                                         : auth.client_secret);
  std::shared_ptr<Slot> slot = SlotFor(auth);
  std::unique_lock lk(slot->mu);
  for (;;) {
    const auto now = clock_.Now();
    const Plan plan = Decide(*slot, fp, now);
    if (plan == Plan::kUse) return slot->token;
    if (plan == Plan::kLogin && slot->Blocked(fp, now))
      return std::unexpected(slot->BlockError(now));
    if (!slot->busy) return Fly(*slot, lk, auth, fp, plan);
    // Someone else is logging in or renewing.
    if (slot->Usable(fp, now)) return slot->token;
    const uint64_t flight = slot->flights;
    slot->cv.wait(lk, [&] { return slot->flights != flight; });
    if (slot->flight_error && slot->flight_fp == fp)
      return std::unexpected(*slot->flight_error);
  }
}

Result<std::string> TokenCache::Fly(Slot& s, std::unique_lock<std::mutex>& lk,
                                    const UniversalAuth& auth,
                                    const std::string& fp, Plan plan) {
  s.busy = true;
  const std::string old = s.token;
  lk.unlock();
  auto sent_at = clock_.Now();
  bool login = plan == Plan::kLogin;
  CallResult<TokenGrant> g = login ? api_.Login(auth) : api_.Renew(auth, old);
  if (!g && !login && g.error().kind == Failure::kTokenRejected) {
    // Refused (past max TTL, revoked, expired early): a fresh login.
    sent_at = clock_.Now();
    login = true;
    g = api_.Login(auth);
  }
  lk.lock();
  const auto now = clock_.Now();
  s.busy = false;
  ++s.flights;
  s.flight_fp = fp;
  s.flight_error.reset();
  struct Notify {
    Slot& s;
    ~Notify() { s.cv.notify_all(); }
  } notify{s};

  if (g) {
    const Duration ttl = g->expires_in;
    s.token = std::move(g->access_token);
    s.fp = fp;
    s.ttl = ttl;
    s.expires_at = ttl.count() > 0 ? sent_at + ttl : Clock::TimePoint::max();
    s.refresh_at =
        ttl.count() > 0 ? sent_at + ttl * 2 / 3 : Clock::TimePoint::max();
    if (login) {
      s.max_at.reset();
      if (g->max_ttl.count() > 0) s.max_at = sent_at + g->max_ttl;
    }
    s.bad_logins = s.transient_failures = 0;
    s.block_error.reset();
    return s.token;
  }
  const CallError& e = g.error();
  if (!login && s.Usable(fp, now)) {
    // The renewal failed for a passing reason: keep the token, retry later.
    s.refresh_at =
        now + std::min<Duration>((s.expires_at - now) / 2, seconds(30));
    return s.token;
  }
  s.flight_error = e.error;
  if (login) {
    RecordLoginFailure(s, fp, e, now, auth.method == AuthMethod::kUniversal);
    if (s.Blocked(fp, now)) s.flight_error = s.BlockError(now);
  }
  return std::unexpected(*s.flight_error);
}

void TokenCache::RecordLoginFailure(Slot& s, const std::string& fp,
                                    const CallError& e, Clock::TimePoint now,
                                    bool lockout) {
  if (e.kind == Failure::kRateLimited) return;  // the host gate handles it
  if (now - s.last_failure > kFailureMemory)
    s.bad_logins = s.transient_failures = 0;
  s.last_failure = now;
  s.block_error = e.error;
  s.blocked_fp.clear();
  switch (e.kind) {
    case Failure::kLocked:
      s.bad_logins = std::max(s.bad_logins, kAssumedLockoutThreshold);
      s.blocked_until = now + kLockoutDuration;
      return;
    case Failure::kBadCredentials:
      if (++s.bad_logins >= kAssumedLockoutThreshold && lockout) {
        s.block_error = Error(
            e.error.code(),
            e.error.message() + "; " + std::to_string(s.bad_logins) +
                " failed logins in a row, Infisical locks the identity after " +
                std::to_string(kAssumedLockoutThreshold));
        s.blocked_until = now + kLockoutDuration;
      } else {
        s.blocked_until =
            now + kBadLoginBackoff * (1 << (std::min(s.bad_logins, 3) - 1));
        s.blocked_fp = fp;
      }
      return;
    default: {
      const int n = std::min(++s.transient_failures, 5);
      s.blocked_until =
          now + std::min<Duration>(kTransientBackoff * (1 << (n - 1)),
                                   kTransientBackoffMax);
      return;
    }
  }
}

void TokenCache::Invalidate(const UniversalAuth& auth,
                            const std::string& token) {
  if (auth.method == AuthMethod::kToken) return;
  std::shared_ptr<Slot> slot = SlotFor(auth);
  std::lock_guard lock(slot->mu);
  if (slot->token == token) slot->token.clear();
}

}  // namespace sealsync::vault
