#include "operator/key_ring.h"

#include <algorithm>

namespace sealsync::op {

void KeyRing::Set(std::vector<SealingKey> keys) {
  // One entry per key id, whatever the caller merged.
  std::sort(keys.begin(), keys.end(),
            [](const SealingKey& a, const SealingKey& b) {
              return a.key_id < b.key_id;
            });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const SealingKey& a, const SealingKey& b) {
                           return a.key_id == b.key_id;
                         }),
             keys.end());
  std::sort(keys.begin(), keys.end(),
            [](const SealingKey& a, const SealingKey& b) {
              return a.created != b.created ? a.created > b.created
                                            : a.key_id < b.key_id;
            });
  std::lock_guard<std::mutex> lock(mu_);
  auto ids = [](const std::vector<SealingKey>& v) {
    std::vector<std::string> out;
    for (const auto& k : v) out.push_back(k.key_id);
    std::sort(out.begin(), out.end());
    return out;
  };
  if (ids(keys) != ids(keys_)) ++generation_;
  keys_ = std::move(keys);
}

std::vector<SealingKey> KeyRing::Keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

std::vector<X25519Identity> KeyRing::Identities() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<X25519Identity> out;
  for (const auto& k : keys_) out.push_back(k.identity);
  return out;
}

std::optional<SealingKey> KeyRing::Newest() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.empty()) return std::nullopt;
  return keys_.front();
}

size_t KeyRing::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

void KeyRing::SetBitnami(std::vector<bitnami::PrivateKey> keys) {
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return a.key_id() < b.key_id();
  });
  keys.erase(std::unique(keys.begin(), keys.end(),
                         [](const auto& a, const auto& b) {
                           return a.key_id() == b.key_id();
                         }),
             keys.end());
  std::lock_guard<std::mutex> lock(mu_);
  auto same = std::equal(
      keys.begin(), keys.end(), bitnami_.begin(), bitnami_.end(),
      [](const auto& a, const auto& b) { return a.key_id() == b.key_id(); });
  if (!same) ++generation_;
  bitnami_ = std::move(keys);
}

std::vector<bitnami::PrivateKey> KeyRing::BitnamiKeys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bitnami_;
}

uint64_t KeyRing::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

}  // namespace sealsync::op
