#include "operator/reload_reconciler.h"

#include "lib/base/time_format.h"
#include "lib/crypto/primitives.h"
#include "operator/reload.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

// The fingerprint key: derived from the oldest sealing key, which lives as
// long as the cluster's keys do (a new one only after losing them all, which
// costs one extra restart).
std::optional<std::array<uint8_t, 32>> FingerprintKey(const KeyRing& ring) {
  auto keys = ring.Keys();
  if (keys.empty()) return std::nullopt;
  const SealingKey* oldest = &keys[0];
  for (const auto& k : keys)
    if (k.created < oldest->created) oldest = &k;
  std::string id = oldest->identity.ToString();
  constexpr std::string_view kLabel = "sealsync reload fingerprint v1";
  std::array<uint8_t, 32> key;
  crypto::HmacSha256(
      ByteView(reinterpret_cast<const uint8_t*>(id.data()), id.size()),
      ByteView(reinterpret_cast<const uint8_t*>(kLabel.data()), kLabel.size()),
      key.data());
  SecureWipe(id.data(), id.size());
  return key;
}

std::string Annotation(const Json& obj, std::string_view name) {
  auto meta = obj.value("metadata", Json::object());
  auto ann = meta.is_object() ? meta.value("annotations", Json::object())
                              : Json::object();
  if (!ann.is_object()) return "";
  auto v = ann.value(std::string(name), Json());
  return v.is_string() ? v.get<std::string>() : "";
}

std::string Join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

const kube::Resource& ResourceOf(const std::string& kind) {
  return kind == "StatefulSet" ? kStatefulSets
         : kind == "DaemonSet" ? kDaemonSets
                               : kDeployments;
}

}  // namespace

ReloadReconciler::ReloadReconciler(
    kube::Client& client, ReloadWorkloads workloads, const kube::Store& secrets,
    const KeyRing& keys, kube::EventRecorder& events, const Clock& clock,
    std::chrono::milliseconds window)
    : client_(client),
      workloads_(workloads),
      secrets_(secrets),
      keys_(keys),
      events_(events),
      clock_(clock),
      window_(window) {}

const kube::Store* ReloadReconciler::StoreOf(const std::string& kind) const {
  if (kind == "Deployment") return &workloads_.deployments;
  if (kind == "StatefulSet") return &workloads_.stateful_sets;
  if (kind == "DaemonSet") return &workloads_.daemon_sets;
  return nullptr;
}

Fingerprints ReloadReconciler::Current(const std::string& ns,
                                       const std::set<std::string>& targets,
                                       ByteView key) const {
  // Only Secrets of the workload's own namespace, and only managed ones
  // (the cache holds nothing else).
  Fingerprints current;
  for (const std::string& name : targets) {
    if (auto s = secrets_.Get(ns + "/" + name))
      current[name] = DataFingerprint(*s, key);
  }
  return current;
}

Result<Action> ReloadReconciler::Reconcile(std::stop_token,
                                           const Request& request) {
  const kube::Store* store = StoreOf(request.kind);
  kube::ObjectPtr obj = store ? store->Get(request.StoreKey()) : nullptr;
  auto targets = obj ? ReloadTargets(*obj) : std::nullopt;
  if (!targets) {
    Forget(request);
    return Action::AwaitChange();
  }
  auto key = FingerprintKey(keys_);
  if (!key) return Action::RequeueAfter(std::chrono::seconds(5));
  Fingerprints current =
      Current(request.ns, *targets, ByteView(key->data(), key->size()));
  std::string observed_text =
      Annotation(*obj, names::kReloadObservedAnnotation);
  std::set<std::string> changed =
      ChangedSecrets(ParseObserved(observed_text), current);
  std::string now_text = FormatObserved(current);
  Json observed_patch = {
      {"metadata",
       {{"annotations",
         {{std::string(names::kReloadObservedAnnotation), now_text}}}}}};
  if (changed.empty()) {
    Forget(request);
    // First sight, or Secrets added or gone: remember them, no restart.
    bool recorded =
        obj->value("metadata", Json::object())
            .value("annotations", Json::object())
            .contains(std::string(names::kReloadObservedAnnotation));
    if (observed_text == now_text && recorded) return Action::AwaitChange();
    auto p = client_.MergePatch(ResourceOf(request.kind),
                                {request.ns, request.name}, observed_patch);
    if (!p)
      return std::unexpected(p.error().Wrap("recording the Secrets of " +
                                            request.kind + " " +
                                            request.StoreKey()));
    return Action::AwaitChange();
  }
  if (auto wait = Coalesce(request)) return *wait;
  return Restart(request, std::move(observed_patch), changed);
}

void ReloadReconciler::Forget(const Request& request) {
  std::lock_guard lock(mu_);
  pending_.erase(request.Key());
}

std::optional<Action> ReloadReconciler::Coalesce(const Request& request) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = pending_.try_emplace(request.Key(), clock_.Now());
  auto due = it->second + window_;
  if (clock_.Now() < due)
    return Action::RequeueAfter(
        std::chrono::duration_cast<std::chrono::milliseconds>(due -
                                                              clock_.Now()) +
        std::chrono::milliseconds(1));
  pending_.erase(it);
  return std::nullopt;
}

Result<Action> ReloadReconciler::Restart(const Request& request, Json patch,
                                         const std::set<std::string>& changed) {
  patch["spec"]["template"]["metadata"]["annotations"] = {
      {std::string(names::kRestartedAtAnnotation),
       FormatRfc3339(clock_.WallNow(), true)},
      {std::string(names::kRestartedForAnnotation), Join(changed)}};
  auto p = client_.MergePatch(ResourceOf(request.kind),
                              {request.ns, request.name}, patch);
  if (!p)
    return std::unexpected(p.error().Wrap("restarting " + request.kind + " " +
                                          request.StoreKey()));
  kube::ObjectReference ref = kube::ObjectReference::Of(*p);
  ref.api_version = "apps/v1";
  ref.kind = request.kind;
  std::string secrets_text;
  for (const auto& n : changed)
    secrets_text += (secrets_text.empty() ? "Secret " : ", Secret ") + n;
  events_.Record(ref, kube::EventType::kNormal,
                 std::string(names::kReasonReloaded), "Restart",
                 "rolling restart: data of " + secrets_text + " changed");
  return Action::AwaitChange();
}

std::vector<Request> WorkloadsUsingSecret(const ReloadWorkloads& workloads,
                                          const std::string& secret_key) {
  Request secret = Request::FromStoreKey(secret_key);
  std::vector<Request> out;
  auto scan = [&](const kube::Store& store, const std::string& kind) {
    for (const auto& obj : store.List()) {
      auto meta = obj->value("metadata", Json::object());
      if (!meta.is_object() || meta.value("namespace", "") != secret.ns)
        continue;
      auto targets = ReloadTargets(*obj);
      if (!targets || !targets->contains(secret.name)) continue;
      Request r;
      r.kind = kind;
      r.ns = secret.ns;
      r.name = meta.value("name", "");
      out.push_back(std::move(r));
    }
  };
  scan(workloads.deployments, "Deployment");
  scan(workloads.stateful_sets, "StatefulSet");
  scan(workloads.daemon_sets, "DaemonSet");
  return out;
}

}  // namespace sealsync::op
