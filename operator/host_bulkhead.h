// HostBulkhead: at most `per_host` calls in flight to one vault host, so the
// workers they share cannot all be held by one slow host (a store pointed at
// it waits its turn; other hosts' stores go on). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace sealsync::op {

class HostBulkhead {
 public:
  explicit HostBulkhead(int per_host) : per_host_(per_host) {}

  // Holds one slot of a host while it lives.
  class Slot {
   public:
    Slot(HostBulkhead* owner, std::string host)
        : owner_(owner), host_(std::move(host)) {}
    Slot(Slot&& o) noexcept : owner_(o.owner_), host_(std::move(o.host_)) {
      o.owner_ = nullptr;
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->Release(host_);
    }

   private:
    HostBulkhead* owner_;
    std::string host_;
  };

  // A slot of `host`, or nullopt when per_host calls to it are in flight.
  std::optional<Slot> TryEnter(const std::string& host) {
    std::lock_guard lock(mu_);
    int& n = in_flight_[host];
    if (n >= per_host_) return std::nullopt;
    ++n;
    return Slot(this, host);
  }

 private:
  void Release(const std::string& host) {
    std::lock_guard lock(mu_);
    if (--in_flight_[host] <= 0) in_flight_.erase(host);
  }

  const int per_host_;
  std::mutex mu_;
  std::map<std::string, int> in_flight_;
};

}  // namespace sealsync::op
