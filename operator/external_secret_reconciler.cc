#include "operator/external_secret_reconciler.h"

#include "lib/base/time_format.h"
#include "operator/jitter.h"
#include "operator/reasons.h"
#include "operator/status.h"
#include "operator/target_consent.h"

namespace sealsync::op {
namespace {

using kube::Json;
using namespace std::chrono_literals;
using Outcome = ExternalSecretReconciler::Outcome;

std::string Str(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : "";
}

// The store an ExternalSecret points at, if it exists.
kube::ObjectPtr FindStore(const ExternalCaches& c,
                          const ExternalSecretSpec& es) {
  if (es.store_kind == "ClusterSecretStore")
    return c.cluster_stores.Get(es.store_name);
  return c.stores.Get(es.ns + "/" + es.store_name);
}

// Whether an ExternalSecret has Ready=True.
bool IsReady(const Json& obj) {
  for (const auto& c :
       obj.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == names::kConditionReady)
      return c.value("status", "") == "True";
  }
  return false;
}

std::string SyncedVersion(const Json& obj) {
  return obj.value("status", Json::object()).value("syncedResourceVersion", "");
}

Error NotOwned(const ExternalSecretSpec& es) {
  return Error(ErrorCode::kFailedPrecondition,
               NotOwnedMessage(es.ns + "/" + es.target_name, "ExternalSecret",
                               es.name))
      .WithReason(reasons::kTargetNotOwned);
}

Outcome Degraded(Error e, std::string_view reason,
                 std::chrono::milliseconds again) {
  Outcome o;
  o.kind = Outcome::Kind::kDegraded;
  o.error = e.WithReason(reason);
  o.again = again;
  return o;
}

Outcome Degraded(ErrorCode code, std::string msg, std::string_view reason,
                 std::chrono::milliseconds again) {
  return Degraded(Error(code, std::move(msg)), reason, again);
}

Outcome Failed(Error e, Outcome::Kind kind = Outcome::Kind::kFailed) {
  Outcome o;
  o.kind = kind;
  o.error = std::move(e);
  return o;
}

// The resourceVersion the API server gave a written object ("" if none).
std::string WrittenVersion(const Json& written) {
  if (!written.is_object() || !written.contains("metadata")) return "";
  return Str(written["metadata"], "resourceVersion");
}

}  // namespace

ExternalSecretReconciler::ExternalSecretReconciler(
    kube::Client& client, ExternalCaches caches, vault::Client& vault,
    const Clock& clock, Random& random, AuditLog* audit, OwnWrites* own_writes)
    : client_(client),
      caches_(caches),
      vault_(vault),
      clock_(clock),
      random_(random),
      audit_(audit),
      own_writes_(own_writes) {}

Result<void> ExternalSecretReconciler::WriteStatus(
    const Json& obj, const ExternalSecretSpec* es, const Error* error,
    std::string_view reason,
    std::optional<std::chrono::system_clock::time_point> refreshed) {
  Json old = obj.value("status", Json::object());
  int64_t gen = obj["metadata"].value("generation", int64_t{0});
  Json desired = old;
  desired["observedGeneration"] = gen;
  desired["conditions"] = Json::array({ReadyCondition(
      old, error == nullptr, reason,
      error ? error->message() : "Secret was synced from the vault", gen,
      clock_)});
  if (error == nullptr && es != nullptr) {
    desired["syncedResourceVersion"] = es->sync_version;
    desired["binding"] = {{"name", es->target_name}};
    if (refreshed) desired["refreshTime"] = FormatRfc3339(*refreshed);
  }
  return WriteStatusIfChanged(client_, kExternalSecrets, obj, desired);
}

Result<std::optional<Json>> ExternalSecretReconciler::ObserveTarget(
    const ExternalSecretSpec& es) {
  std::string target_key = es.ns + "/" + es.target_name;
  if (auto c = caches_.secrets.Get(target_key)) return std::optional<Json>(*c);
  auto g = client_.Get(kube::kSecrets, {es.ns, es.target_name});
  if (g) return std::optional<Json>(std::move(*g));
  if (g.error().code() == ErrorCode::kNotFound) return std::optional<Json>();
  return MakeError(ErrorCode::kUnavailable,
                   "reading Secret " + target_key + ": " + g.error().message());
}

Result<void> ExternalSecretReconciler::DeleteTarget(
    const ExternalSecretSpec& es, const std::string& uid) {
  auto observed = ObserveTarget(es);
  if (!observed) return std::unexpected(observed.error());
  if (!*observed) return {};
  if (WriteConsent(**observed, "ExternalSecret", es.name, uid) ==
      Consent::kRefused) {
    return std::unexpected(NotOwned(es));
  }
  kube::DeleteOptions del;
  del.precondition_uid = Str((**observed)["metadata"], "uid");
  auto d = client_.Delete(kube::kSecrets, {es.ns, es.target_name}, del);
  if (!d && d.error().code() != ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kUnavailable, "deleting Secret " + es.ns + "/" +
                                                  es.target_name + ": " +
                                                  d.error().message());
  }
  return {};
}

Result<void> ExternalSecretReconciler::WriteTarget(const ExternalSecretSpec& es,
                                                   const std::string& uid,
                                                   const Json& desired) {
  std::string target_key = es.ns + "/" + es.target_name;
  // From here until it ends, the watch events of this Secret are held: the
  // echo of this write often arrives before the write's answer.
  OwnWrites::Pending write(own_writes_, target_key);
  std::optional<Json> observed;
  if (auto c = caches_.secrets.Get(target_key)) {
    observed = *c;
  } else if (es.creation_policy != CreationPolicy::kMerge) {
    // Not among our cached Secrets: usually it does not exist yet. One
    // create instead of a read and an apply; "already exists" means a
    // Secret we do not own (or ours, not cached yet): read it below.
    auto c = client_.Create(kube::kSecrets, desired);
    if (c) {
      write.Record(WrittenVersion(*c));
      return {};
    }
    if (c.error().code() != ErrorCode::kAlreadyExists) {
      return std::unexpected(
          Error(ErrorCode::kUnavailable,
                "creating Secret " + target_key + ": " + c.error().message())
              .WithReason(reasons::kWriteFailed));
    }
  }
  if (!observed) {
    auto o = ObserveTarget(es);
    if (!o) return std::unexpected(o.error());
    observed = std::move(*o);
  }
  if (!observed) {
    // Only Merge gets here without a Secret: it never creates one.
    return std::unexpected(Error(ErrorCode::kFailedPrecondition,
                                 "target Secret " + target_key +
                                     " does not exist (creationPolicy Merge)")
                               .WithReason(reasons::kSecretSyncedError));
  }
  if (WriteConsent(*observed, "ExternalSecret", es.name, uid) ==
      Consent::kRefused) {
    return std::unexpected(NotOwned(es));
  }
  const Json& have = observed->value("data", Json::object());
  bool same = have == desired["data"];
  if (es.creation_policy == CreationPolicy::kMerge) {
    same = true;
    for (const auto& [k, v] : desired["data"].items()) {
      if (have.value(k, "") != v) same = false;
    }
  }
  if (same) return {};
  auto w = client_.Apply(kube::kSecrets, desired,
                         {std::string(names::kFieldManager), true});
  if (!w) {
    return std::unexpected(
        Error(ErrorCode::kUnavailable,
              "writing Secret " + target_key + ": " + w.error().message())
            .WithReason(reasons::kWriteFailed));
  }
  write.Record(WrittenVersion(*w));
  return {};
}

Result<Action> ExternalSecretReconciler::Reconcile(std::stop_token stop,
                                                   const Request& request) {
  kube::ObjectPtr obj = caches_.external_secrets.Get(request.StoreKey());
  if (!obj) return Action::AwaitChange();
  auto es = ParseExternalSecret(*obj);
  if (!es) {
    return Finish(*obj, nullptr,
                  Failed(es.error().WithReason(reasons::kInvalidSpec)));
  }
  return Finish(*obj, &*es, Sync(stop, *obj, *es));
}

// Read, render, write; the Outcome says what status gets.
Outcome ExternalSecretReconciler::Sync(std::stop_token stop, const Json& obj,
                                       const ExternalSecretSpec& es) {
  auto retry = es.refresh.count() > 0
                   ? std::min<std::chrono::milliseconds>(es.refresh, 5min)
                   : 5min;
  // refreshPolicy OnChange / CreatedOnce: nothing asked for a sync.
  if (RefreshPolicySkips(
          es, SyncedVersion(obj), IsReady(obj),
          caches_.secrets.Get(es.ns + "/" + es.target_name) != nullptr))
    return Outcome{.kind = Outcome::Kind::kSkip,
                   .action = Action::AwaitChange()};
  auto source = ReadSource(es, retry);
  if (!source) return source.error();
  // templateFrom ConfigMaps (own namespace only), read at each sync so a
  // changed ConfigMap is used at the next refresh; before the vault call, so
  // a missing one costs none. The Secret stays as it is on any failure.
  auto templates = ReadTemplateFrom(client_, es);
  if (!templates) {
    Error e = templates.error().WithReason(reasons::kSecretSyncedError);
    if (e.code() == ErrorCode::kUnavailable) return Failed(e);
    return Degraded(e, reasons::kSecretSyncedError, retry);
  }
  // Stopping: the vault call can take its whole timeout; the next leader
  // syncs this object.
  if (stop.stop_requested()) return Outcome{.kind = Outcome::Kind::kSkip};
  auto fetched = ReadValues(obj, es, *source, retry);
  if (!fetched) return fetched.error();
  std::string uid = Str(obj["metadata"], "uid");
  if (fetched->values.empty()) {
    if (auto decided = ApplyDeletionPolicy(es, uid, retry)) return *decided;
  }
  auto desired = RenderTarget(es, uid, fetched->values, *templates);
  if (!desired)
    return Degraded(desired.error(), reasons::kSecretSyncedError, retry);
  if (es.creation_policy != CreationPolicy::kNone) {
    auto w = WriteTarget(es, uid, *desired);
    if (!w) {
      Error e = w.error().Wrap("ExternalSecret " + es.ns + "/" + es.name);
      if (e.reason().empty()) e = e.WithReason(reasons::kSecretSyncedError);
      // A missing Merge target or one without consent: look again at the
      // next refresh (consent is given on the Secret, which may not be
      // watched).
      if (e.code() == ErrorCode::kFailedPrecondition)
        return Degraded(e, e.reason(), retry);
      return Failed(e);
    }
  }
  return Synced(es, *fetched);
}

// The store, its readiness and its credentials.
ExternalSecretReconciler::Step<ExternalSecretReconciler::Source>
ExternalSecretReconciler::ReadSource(const ExternalSecretSpec& es,
                                     std::chrono::milliseconds retry) {
  std::string id = "ExternalSecret " + es.ns + "/" + es.name;
  kube::ObjectPtr store_obj = FindStore(caches_, es);
  std::string store_id = es.store_kind + " " + es.store_name;
  if (!store_obj) {
    return std::unexpected(Degraded(ErrorCode::kFailedPrecondition,
                                    id + ": " + store_id + " does not exist",
                                    reasons::kStoreNotReady, retry));
  }
  auto store = ParseStore(*store_obj);
  if (!store) {
    return std::unexpected(Degraded(store.error().code(),
                                    id + ": " + store.error().message(),
                                    reasons::kStoreNotReady, retry));
  }
  // Only a store found not Ready for its current spec stops here. One not
  // yet judged (just created, or changed) is tried as it is: its
  // credentials and login fail below with their own reason if they are
  // wrong, and its verdict requeues this object when it comes
  // (ExternalSecretsUsingStore). Waiting for the verdict instead cost every
  // ExternalSecret of a new store a StoreNotReady status write, an Event and
  // a second pass (1,000 of each when 1,000 wait at start).
  if (ReadyVerdict(*store_obj) == Verdict::kNotReady) {
    return std::unexpected(Degraded(ErrorCode::kFailedPrecondition,
                                    id + ": " + store_id + " is not ready",
                                    reasons::kStoreNotReady, 30s));
  }
  auto auth = auth_cache_.Get(client_, *store);
  if (!auth) {
    if (auth.error().code() == ErrorCode::kUnavailable)
      return std::unexpected(Failed(auth.error(), Outcome::Kind::kQuiet));
    return std::unexpected(Degraded(auth.error().code(),
                                    id + ": " + auth.error().message(),
                                    reasons::kStoreNotReady, retry));
  }
  return Source{std::move(*store), std::move(*auth)};
}

// The values. The existing Secret stays as it is on any failure. A change
// since the last sync (spec, labels, a new force-sync annotation value)
// reads the vault afresh; a new object shares the window's lists.
ExternalSecretReconciler::Step<Fetched> ExternalSecretReconciler::ReadValues(
    const Json& obj, const ExternalSecretSpec& es, Source& source,
    std::chrono::milliseconds retry) {
  std::string synced =
      obj.value("status", Json::object()).value("syncedResourceVersion", "");
  std::optional<Clock::TimePoint> forced;
  if (!synced.empty() && synced != es.sync_version) {
    // Only labels or annotations changed (same generation): a force-sync
    // value shared by many objects shares its lists (force_sync.h). A spec
    // change reads afresh.
    bool same_generation = synced.substr(0, synced.find('-')) ==
                           es.sync_version.substr(0, es.sync_version.find('-'));
    std::string token =
        same_generation
            ? Str(obj["metadata"].value("annotations", Json::object()),
                  std::string(names::kForceSyncAnnotation).c_str())
            : "";
    forced = force_windows_.NotBefore(token);
  }
  auto fetched =
      FetchValues(vault_, clock_, es, source.store, source.auth, forced);
  SecureWipe(source.auth.client_secret.data(),
             source.auth.client_secret.size());
  AuditEvent fetch(audit::kVaultFetch,
                   "ExternalSecret " + es.ns + "/" + es.name);
  fetch.vault_path =
      source.store.host_api + " " + source.store.scope.ToString();
  if (!fetched) SetFailure(fetch, fetched.error());
  Audit(audit_, fetch);
  if (fetched) return std::move(*fetched);
  const Error& e = fetched.error();
  if (e.code() == ErrorCode::kUnavailable ||
      e.code() == ErrorCode::kDeadlineExceeded) {
    return std::unexpected(Failed(e.WithReason(reasons::kSecretSyncedError)));
  }
  auto again = e.code() == ErrorCode::kResourceExhausted
                   ? std::chrono::milliseconds(60s)
                   : retry;
  return std::unexpected(Degraded(e, reasons::kSecretSyncedError, again));
}

std::optional<Outcome> ExternalSecretReconciler::ApplyDeletionPolicy(
    const ExternalSecretSpec& es, const std::string& uid,
    std::chrono::milliseconds retry) {
  std::string id = "ExternalSecret " + es.ns + "/" + es.name;
  switch (es.deletion_policy) {
    case DeletionPolicy::kMerge:
      return std::nullopt;
    case DeletionPolicy::kRetain:
      return Degraded(ErrorCode::kNotFound,
                      id + ": the vault has no matching secrets; Secret " +
                          es.ns + "/" + es.target_name +
                          " kept as it was (deletionPolicy Retain)",
                      reasons::kSecretSyncedError, retry);
    case DeletionPolicy::kDelete:
      break;
  }
  // creationPolicy None writes nothing, so deletes nothing either.
  if (es.creation_policy == CreationPolicy::kNone) return std::nullopt;
  if (auto d = DeleteTarget(es, uid); !d) {
    if (d.error().reason() == reasons::kTargetNotOwned)
      return Degraded(d.error().Wrap(id), d.error().reason(), retry);
    return Failed(d.error().Wrap(id), Outcome::Kind::kQuiet);
  }
  return Outcome{.reason = reasons::kSecretDeleted,
                 .action = Action::RequeueAfter(retry)};
}

// Ready=True, refreshed as of the oldest list used; the next pass one
// refresh interval after that list (with jitter), or never for interval 0.
Outcome ExternalSecretReconciler::Synced(const ExternalSecretSpec& es,
                                         const Fetched& fetched) {
  auto age = clock_.Now() - fetched.oldest;
  auto refreshed =
      clock_.WallNow() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
  Outcome o{.reason = reasons::kSecretSynced,
            .refreshed = std::chrono::floor<std::chrono::seconds>(refreshed)};
  if (es.refresh.count() == 0) return o;
  auto next =
      es.refresh - std::chrono::duration_cast<std::chrono::milliseconds>(age);
  o.action = Action::RequeueAfter(
      Jitter(std::max<std::chrono::milliseconds>(next, 1s), random_));
  return o;
}

Result<Action> ExternalSecretReconciler::Finish(const Json& obj,
                                                const ExternalSecretSpec* es,
                                                const Outcome& o) {
  using Kind = Outcome::Kind;
  if (o.kind == Kind::kQuiet) return std::unexpected(*o.error);
  if (o.kind == Kind::kSkip) return o.action;
  const Error* e = o.error ? &*o.error : nullptr;
  std::string_view reason = e ? std::string_view(e->reason()) : o.reason;
  auto s = WriteStatus(obj, es, e, reason, o.refreshed);
  switch (o.kind) {
    case Kind::kSynced:
      if (!s) return std::unexpected(s.error());
      return o.action;
    case Kind::kDegraded:
      if (!s) return std::unexpected(s.error());
      return Action::Degraded(*o.error, o.again);
    default:
      if (!s) return std::unexpected(s.error());
      return std::unexpected(*o.error);
  }
}

}  // namespace sealsync::op
