// A KeyRing holds the operator's sealing keys, newest first. The key
// manager replaces them; reconcilers and API handlers read snapshots.
// Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sealsync/age.h"
#include "sealsync/bitnami.h"

namespace sealsync::op {

struct SealingKey {
  X25519Identity identity;
  std::string key_id;
  std::chrono::system_clock::time_point created;
};

class KeyRing {
 public:
  // Replaces the keys; duplicates (same key id) are dropped and the rest
  // sorted newest first here.
  void Set(std::vector<SealingKey> keys);
  std::vector<SealingKey> Keys() const;
  std::vector<X25519Identity> Identities() const;
  std::optional<SealingKey> Newest() const;
  size_t Size() const;
  // Bumped by every Set() or SetBitnami() that changes the set of key ids.
  uint64_t generation() const;

  // Keys imported from Bitnami sealed-secrets: decryption only, never
  // published or sealed to. Duplicates (same key id) are dropped.
  void SetBitnami(std::vector<bitnami::PrivateKey> keys);
  std::vector<bitnami::PrivateKey> BitnamiKeys() const;

 private:
  mutable std::mutex mu_;
  std::vector<SealingKey> keys_;
  std::vector<bitnami::PrivateKey> bitnami_;
  uint64_t generation_ = 0;
};

}  // namespace sealsync::op
