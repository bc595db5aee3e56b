#include "operator/sealed_secret_reconciler.h"

#include "lib/base/base64.h"
#include "operator/reasons.h"
#include "operator/status.h"
#include "operator/target_consent.h"
#include "sealsync/names.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::op {
namespace {

using kube::Json;

std::string Str(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// API errors that a later retry can fix (RBAC granted, namespace created)
// are transient even when their code looks terminal.
Error Transient(const Error& e, const std::string& context) {
  ErrorCode c = e.code();
  if (c == ErrorCode::kNotFound || c == ErrorCode::kPermissionDenied)
    c = ErrorCode::kUnavailable;
  return Error(c, context + ": " + e.message());
}

// How often a SealedSecret refused with TargetNotOwned looks again for
// consent (the owner annotation) on its Secret.
constexpr std::chrono::seconds kConsentRecheck{30};

}  // namespace

// Built member by member: nlohmann's nested initializer lists copy every
// value at least twice and made this a twentieth of a reconcile's
// instructions (callgrind, docs/benchmarks.md).
Json RenderSecret(const api::Secret& secret, const Json& owner) {
  static const Json kNoMetadata = Json::object();
  const Json& om = owner.contains("metadata") ? owner["metadata"] : kNoMetadata;
  Json out = Json::object();
  out["apiVersion"] = "v1";
  out["kind"] = "Secret";
  Json& meta = out["metadata"];
  meta["name"] = secret.metadata.name;
  meta["namespace"] = secret.metadata.ns;
  Json& labels = meta["labels"] = Json::object();
  for (const auto& [k, v] : secret.metadata.labels) labels[k] = v;
  labels[std::string(names::kManagedByLabel)] = names::kManagedByValue;
  Json& ann = meta["annotations"] = Json::object();
  for (const auto& [k, v] : secret.metadata.annotations) ann[k] = v;
  ann[std::string(names::kOwnerAnnotation)] = "SealedSecret/" + Str(om, "name");
  Json ref = Json::object();
  ref["apiVersion"] = Str(owner, "apiVersion");
  ref["kind"] = Str(owner, "kind");
  ref["name"] = Str(om, "name");
  ref["uid"] = Str(om, "uid");
  ref["controller"] = true;
  ref["blockOwnerDeletion"] = true;
  meta["ownerReferences"] = Json::array();
  meta["ownerReferences"].push_back(std::move(ref));
  out["type"] = secret.type.empty() ? "Opaque" : secret.type;
  Json& data = out["data"] = Json::object();
  for (const auto& [k, v] : secret.data)
    data[k] = Base64Encode(ByteView(v.data(), v.size()));
  if (secret.immutable) out["immutable"] = *secret.immutable;
  return out;
}

bool SecretMatches(const Json& observed, const Json& desired) {
  Json od = observed.value("data", Json::object());
  if (od != desired["data"]) return false;
  if (observed.value("type", "Opaque") != desired["type"]) return false;
  if (desired.contains("immutable") &&
      observed.value("immutable", false) != desired["immutable"]) {
    return false;
  }
  const Json& om = observed["metadata"];
  for (const char* field : {"labels", "annotations"}) {
    if (!desired["metadata"].contains(field)) continue;
    for (const auto& [k, v] : desired["metadata"][field].items()) {
      if (!om.contains(field) || !om[field].contains(k) || om[field][k] != v)
        return false;
    }
  }
  std::string uid = desired["metadata"]["ownerReferences"][0]["uid"];
  for (const auto& ref : om.value("ownerReferences", Json::array())) {
    if (Str(ref, "uid") == uid && ref.value("controller", false)) return true;
  }
  return false;
}

// What a SealedSecret may not ask for in its template (DESIGN.md "Tenants and
// trust"): a type outside the allow-list (TypeNotAllowed), or metadata only
// the operator sets, or a bad key (Malformed). Errors carry their reason.
Result<void> CheckTemplate(const api::Secret& secret) {
  if (auto t = api::ValidateSecretType(secret.type, "spec.template.type"); !t)
    return std::unexpected(t.error().WithReason(reasons::kTypeNotAllowed));
  for (const auto& [field, map] :
       {std::pair{"labels", &secret.metadata.labels},
        std::pair{"annotations", &secret.metadata.annotations}}) {
    for (const auto& [k, _] : *map) {
      if (ReservedMetadataKey(k)) {
        return std::unexpected(Error(ErrorCode::kInvalidArgument,
                                     std::string("spec.template.metadata.") +
                                         field + "." + k +
                                         ": reserved for the operator")
                                   .WithReason(reasons::kMalformed));
      }
    }
  }
  for (const auto& [k, _] : secret.data) {
    if (auto v = api::ValidateSecretKey(k, "spec.encryptedData"); !v)
      return std::unexpected(v.error().WithReason(reasons::kMalformed));
  }
  return {};
}

SealedSecretReconciler::SealedSecretReconciler(
    kube::Client& client, const kube::Store& sealed, const kube::Store& secrets,
    const KeyRing& keys, const Clock& clock, AuditLog* audit)
    : client_(client),
      sealed_(sealed),
      secrets_(secrets),
      keys_(keys),
      clock_(clock),
      audit_(audit) {}

Result<std::optional<Json>> SealedSecretReconciler::Observed(
    const std::string& key) {
  if (auto cached = secrets_.Get(key)) return std::optional<Json>(*cached);
  auto got = client_.Get(kube::kSecrets, kube::SplitKey(key));
  if (got) return std::optional<Json>(std::move(*got));
  if (got.error().code() == ErrorCode::kNotFound) return std::optional<Json>();
  return std::unexpected(Transient(got.error(), "reading Secret " + key));
}

Result<std::string> SealedSecretReconciler::Write(
    const std::optional<Json>& observed, const Json& desired) {
  std::string id = Str(desired["metadata"], "namespace") + "/" +
                   Str(desired["metadata"], "name");
  kube::ApplyOptions apply{std::string(names::kFieldManager), true};
  if (observed && observed->value("immutable", false)) {
    // An immutable Secret cannot change: replace it.
    kube::DeleteOptions del;
    del.precondition_uid = Str((*observed)["metadata"], "uid");
    auto d = client_.Delete(kube::kSecrets, kube::SplitKey(id), del);
    if (!d && d.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(
          Transient(d.error(), "replacing immutable Secret " + id));
    }
  }
  auto w = client_.Apply(kube::kSecrets, desired, apply);
  if (!w) return std::unexpected(Transient(w.error(), "writing Secret " + id));
  // Keys added by hand are not ours to keep: the derived Secret is exactly
  // what the SealedSecret says.
  Json extra = Json::object();
  Json written = w->value("data", Json::object());
  for (const auto& [k, _] : written.items()) {
    if (!desired["data"].contains(k)) extra[k] = nullptr;
  }
  if (!extra.empty()) {
    auto p = client_.MergePatch(kube::kSecrets, kube::SplitKey(id),
                                {{"data", extra}});
    if (!p)
      return std::unexpected(Transient(p.error(), "trimming Secret " + id));
    return Str((*p)["metadata"], "resourceVersion");
  }
  return Str((*w)["metadata"], "resourceVersion");
}

std::optional<std::vector<std::string>> SealedSecretReconciler::StillSynced(
    const std::string& key, const Json& obj) {
  kube::ObjectPtr secret = secrets_.Get(key);
  if (!secret) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = synced_.find(key);
  if (it == synced_.end()) return std::nullopt;
  const Synced& s = it->second;
  const Json& m = obj["metadata"];
  if (s.uid != Str(m, "uid") ||
      s.generation != m.value("generation", int64_t{0}) ||
      s.ring_generation != keys_.generation() ||
      s.secret_version != Str((*secret)["metadata"], "resourceVersion")) {
    return std::nullopt;
  }
  return s.key_ids;
}

void SealedSecretReconciler::Remember(const std::string& key, const Json& obj,
                                      uint64_t ring_generation,
                                      std::string secret_version,
                                      std::vector<std::string> key_ids) {
  if (secret_version.empty()) return;
  Synced s{Str(obj["metadata"], "uid"),
           obj["metadata"].value("generation", int64_t{0}), ring_generation,
           std::move(secret_version), std::move(key_ids)};
  std::lock_guard<std::mutex> lock(mu_);
  synced_[key] = std::move(s);
}

void SealedSecretReconciler::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  synced_.erase(key);
}

Result<void> SealedSecretReconciler::UpdateStatus(
    const Json& obj, const Error* error, std::string_view reason,
    const std::vector<std::string>& key_ids) {
  int64_t generation = obj["metadata"].value("generation", int64_t{0});
  Json old = obj.value("status", Json::object());
  Json desired = {{"observedGeneration", generation},
                  {"conditions",
                   Json::array({ReadyCondition(
                       old, error == nullptr, error ? reason : reasons::kSynced,
                       error ? error->message() : "Secret is up to date",
                       generation, clock_)})}};
  if (!error) {
    desired["keyIds"] = key_ids;
  } else if (old.contains("keyIds")) {
    desired["keyIds"] = old["keyIds"];
  }
  return WriteStatusIfChanged(client_, kSealedSecrets, obj, desired);
}

Result<SealedSecretReconciler::Rendered> SealedSecretReconciler::Render(
    const Json& obj, const std::string& id) const {
  auto parsed = api::SealedSecretFromObject(obj);
  if (!parsed) {
    return std::unexpected(
        Error(ErrorCode::kInvalidArgument, id + ": " + parsed.error().message())
            .WithReason(reasons::kMalformed));
  }
  Rendered out;
  out.ring_generation = keys_.generation();  // read first: a change re-runs
  std::vector<X25519Identity> keys = keys_.Identities();
  auto unsealed = sealed::Unseal(*parsed, keys, keys_.BitnamiKeys());
  AuditEvent decrypt(audit::kDecrypt, id);
  if (unsealed) decrypt.key_ids = unsealed->key_ids;
  if (!unsealed)
    SetFailure(decrypt, unsealed.error().WithReason(
                            sealed::ReasonFor(unsealed.error())));
  Audit(audit_, decrypt);
  if (!unsealed) {
    return std::unexpected(
        unsealed.error().WithReason(reasons::UnsealReason(unsealed.error())));
  }
  if (auto t = CheckTemplate(unsealed->secret); !t) {
    return std::unexpected(t.error().Wrap(id));
  }
  out.desired = RenderSecret(unsealed->secret, obj);
  out.key_ids = std::move(unsealed->key_ids);
  return out;
}

Result<Action> SealedSecretReconciler::Fail(const Json& obj, const Error& e,
                                            bool status_must_succeed) {
  auto s = UpdateStatus(obj, &e, e.reason(), {});
  if (!s && status_must_succeed) return std::unexpected(s.error());
  return std::unexpected(e);
}

Result<Action> SealedSecretReconciler::Reconcile(std::stop_token,
                                                 const Request& request) {
  const std::string key = request.StoreKey();
  kube::ObjectPtr obj = sealed_.Get(key);
  if (!obj) {
    Forget(key);
    return Action::AwaitChange();  // deleted: the GC removes its Secret
  }
  if (auto key_ids = StillSynced(key, *obj)) {
    // Nothing it reads changed since the last good pass: status only.
    if (auto s = UpdateStatus(*obj, nullptr, "", *key_ids); !s) {
      return std::unexpected(s.error());
    }
    return Action::AwaitChange();
  }
  std::string id = "SealedSecret " + key;
  auto rendered = Render(*obj, id);
  if (!rendered) return Fail(*obj, rendered.error(), true);
  return Apply(key, id, *obj, *rendered);
}

// The one write: a create when no Secret is cached (usually none exists
// yet); else observe, check consent, and write only if it differs.
Result<Action> SealedSecretReconciler::Apply(const std::string& key,
                                             const std::string& id,
                                             const Json& obj,
                                             const Rendered& r) {
  if (!secrets_.Get(key)) {
    // "already exists" means a Secret we do not own (or ours, not cached
    // yet): read it and decide below.
    auto created = client_.Create(kube::kSecrets, r.desired);
    if (created) {
      Remember(key, obj, r.ring_generation,
               Str((*created)["metadata"], "resourceVersion"), r.key_ids);
      // Status follows on a second pass, behind every key with real work:
      // in a burst, all Secrets exist first, then all statuses.
      return Action::FollowUp();
    }
    if (created.error().code() != ErrorCode::kAlreadyExists) {
      return Fail(obj,
                  Transient(created.error(), id + ": creating Secret " + key)
                      .WithReason(reasons::kWriteFailed),
                  false);
    }
  }
  auto observed = Observed(key);
  if (!observed) {
    return std::unexpected(observed.error().WithReason(reasons::kWriteFailed));
  }
  const Json& meta = obj["metadata"];
  if (*observed &&
      WriteConsent(**observed, api::kSealedSecretKind, Str(meta, "name"),
                   Str(meta, "uid")) == Consent::kRefused) {
    return NotOwned(key, id, obj);
  }
  std::string version;
  if (!*observed || !SecretMatches(**observed, r.desired)) {
    auto w = Write(*observed, r.desired);
    if (!w) {
      return Fail(obj,
                  Error(w.error().code(), id + ": " + w.error().message())
                      .WithReason(reasons::kWriteFailed),
                  false);
    }
    version = std::move(*w);
  } else {
    version = Str((**observed)["metadata"], "resourceVersion");
  }
  Remember(key, obj, r.ring_generation, std::move(version), r.key_ids);
  if (auto s = UpdateStatus(obj, nullptr, "", r.key_ids); !s) {
    return std::unexpected(s.error());
  }
  return Action::AwaitChange();
}

// Consent is given on the Secret, which this operator does not watch (it
// is not labelled as ours): look again now and then.
Result<Action> SealedSecretReconciler::NotOwned(const std::string& key,
                                                const std::string& id,
                                                const Json& obj) {
  Error e = Error(ErrorCode::kFailedPrecondition,
                  id + ": " +
                      NotOwnedMessage(key, api::kSealedSecretKind,
                                      Str(obj["metadata"], "name")))
                .WithReason(reasons::kTargetNotOwned);
  if (auto s = UpdateStatus(obj, &e, e.reason(), {}); !s)
    return std::unexpected(s.error());
  return Action::Degraded(e, kConsentRecheck);
}

}  // namespace sealsync::op
