// The KeyLoop keeps the key ring in step with the sealing key Secrets and
// reports on them: Reload() (on every key Secret event, and after each
// rotation) loads the ring, logs and Events unreadable key Secrets, writes
// back key Secrets deleted or corrupted while held (leader only), backs up
// imported Bitnami keys (leader only), republishes the recipients when the
// ring changes (leader only) and then calls `on_ring_changed` (SealedSecrets
// waiting for a key get another look). Rotate() is the leader's key
// renewal. Thread-safe: both hold one lock (KeyManager is single-threaded).
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "lib/kube/event_recorder.h"
#include "operator/key_manager.h"
#include "operator/key_ring.h"
#include "operator/metrics.h"

namespace sealsync::op {

class KeyLoop {
 public:
  KeyLoop(KeyManager& keys, const KeyRing& ring, kube::EventRecorder& recorder,
          Registry& metrics, std::string ns, std::function<bool()> leading,
          std::function<void()> on_ring_changed);

  void Reload();
  // KeyManager::Rotate() under the lock.
  Result<std::optional<std::chrono::milliseconds>> Rotate();

 private:
  void ReportUnreadable();
  void RestoreMissing();
  void BackUpImported();
  void Warn(const std::string& secret, std::string_view reason,
            std::string_view action, const std::string& note);

  KeyManager& keys_;
  const KeyRing& ring_;
  kube::EventRecorder& recorder_;
  std::string ns_;
  std::function<bool()> leading_;
  std::function<void()> on_ring_changed_;
  Gauge& key_count_;
  Gauge& bitnami_key_count_;
  Gauge& unreadable_;
  Counter& restored_;
  std::mutex mu_;
  uint64_t ring_generation_ = 0;  // guarded by mu_
};

}  // namespace sealsync::op
