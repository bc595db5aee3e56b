#include "operator/key_loop.h"

#include "operator/log.h"
#include "operator/reasons.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

void LogError(std::string_view msg, const Error& e) {
  Log("error", msg,
      {{"code", std::string(ErrorCodeName(e.code()))}, {"error", e.message()}});
}

}  // namespace

KeyLoop::KeyLoop(KeyManager& keys, const KeyRing& ring,
                 kube::EventRecorder& recorder, Registry& metrics,
                 std::string ns, std::function<bool()> leading,
                 std::function<void()> on_ring_changed)
    : keys_(keys),
      ring_(ring),
      recorder_(recorder),
      ns_(std::move(ns)),
      leading_(std::move(leading)),
      on_ring_changed_(std::move(on_ring_changed)),
      key_count_(
          metrics.AddGauge("sealsync_sealing_keys", "Sealing keys held.")),
      bitnami_key_count_(metrics.AddGauge(
          "sealsync_bitnami_keys",
          "Keys imported from Bitnami sealed-secrets (decryption only).")),
      unreadable_(metrics.AddGauge(
          "sealsync_sealing_key_secrets_unreadable",
          "Sealing key Secrets that cannot be parsed (skipped).")),
      restored_(metrics.AddCounter(
          "sealsync_sealing_key_secrets_restored_total",
          "Sealing key Secrets written back after they were deleted or "
          "corrupted while this replica held the key.")) {}

void KeyLoop::Warn(const std::string& secret, std::string_view reason,
                   std::string_view action, const std::string& note) {
  recorder_.Record(kube::ObjectReference{"v1", "Secret", ns_, secret, "", ""},
                   kube::EventType::kWarning, reason, action, note);
}

void KeyLoop::ReportUnreadable() {
  for (const std::string& name : keys_.Unreadable()) {
    Log("warn", "sealing key Secret unreadable: skipped", {{"name", name}});
    if (leading_()) {
      Warn(name, reasons::kSealingKeyUnreadable, "Load",
           "sealing key Secret " + name + " cannot be parsed; it is skipped");
    }
  }
}

void KeyLoop::RestoreMissing() {
  if (keys_.Missing().empty()) return;
  std::string ids;
  for (const auto& id : keys_.Missing()) ids += (ids.empty() ? "" : ",") + id;
  bool leading = leading_();
  Log("warn",
      "sealing key Secrets deleted or unreadable: keeping the keys held "
      "in memory" +
          std::string(leading ? " and writing them back" : ""),
      {{"keyIds", ids}});
  if (!leading) return;
  std::vector<std::string> restored = keys_.Missing();
  auto r = keys_.RestoreMissing();
  if (!r) {
    LogError("restoring sealing key Secrets failed", r.error());
    return;
  }
  restored_.Inc({}, *r);
  for (const std::string& id : restored) {
    std::string name = std::string(names::kKeySecretPrefix) + id;
    Warn(name, reasons::kSealingKeyRestored, "Restore",
         "sealing key Secret " + name +
             " was deleted or corrupted; written back from the key held in "
             "memory (key id " +
             id + ")");
  }
}

void KeyLoop::BackUpImported() {
  if (!leading_()) return;
  if (auto b = keys_.BackUpImported(); !b) {
    LogError("backing up imported Bitnami keys failed", b.error());
  } else if (*b > 0) {
    Log("info", "imported Bitnami keys backed up to the break-glass recipient",
        {{"count", std::to_string(*b)}});
  }
}

void KeyLoop::Reload() {
  std::lock_guard<std::mutex> lock(mu_);
  unreadable_.Set(keys_.Load());
  ReportUnreadable();
  RestoreMissing();
  key_count_.Set(static_cast<double>(ring_.Size()));
  bitnami_key_count_.Set(static_cast<double>(ring_.BitnamiKeys().size()));
  BackUpImported();
  if (ring_.generation() == ring_generation_) return;
  ring_generation_ = ring_.generation();
  Log("info", "sealing keys changed", {{"keys", std::to_string(ring_.Size())}});
  // Developers seal to what is published: it follows the ring.
  if (leading_()) {
    if (auto p = keys_.Publish(); !p)
      LogError("publishing recipients failed", p.error());
  }
  if (on_ring_changed_) on_ring_changed_();
}

Result<std::optional<std::chrono::milliseconds>> KeyLoop::Rotate() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.Rotate();
}

}  // namespace sealsync::op
