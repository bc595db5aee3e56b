#include "operator/external_secret_reconciler.h"

#include <map>

#include "lib/base/base64.h"
#include "lib/base/time_format.h"
#include "lib/kube/json_reader.h"
#include "operator/service_account_token.h"
#include "operator/status.h"
#include "operator/target_consent.h"
#include "sealsync/api.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;
using namespace std::chrono_literals;

// A vault value read as JSON (for property and extract), or a discarded
// value. Nesting is bounded (kube::ReadJson): the value comes from a vault
// the tenant may run, and a deep one must not exhaust the stack when walked.
Json ValueJson(const std::string& value) {
  auto j = kube::ReadJson(value);
  return j ? std::move(*j) : Json(Json::value_t::discarded);
}

std::string Str(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : "";
}

std::string JoinPath(const std::string& base, const std::string& rel) {
  std::string b = base.empty() ? "/" : base;
  if (rel.empty() || rel == "/") return b;
  if (b.ends_with('/')) b.pop_back();
  return b + (rel.starts_with('/') ? "" : "/") + rel;
}

// The store an ExternalSecret points at, if it exists.
kube::ObjectPtr FindStore(const ExternalCaches& c,
                          const ExternalSecretSpec& es) {
  if (es.store_kind == "ClusterSecretStore")
    return c.cluster_stores.Get(es.store_name);
  return c.stores.Get(es.ns + "/" + es.store_name);
}

bool StoreReady(const Json& store) {
  for (const auto& c : store.value("status", Json::object())
                           .value("conditions", Json::array())) {
    if (c.value("type", "") == names::kConditionReady)
      return c.value("status", "") == "True";
  }
  return false;
}

// Selects `property` from a JSON object value.
Result<std::string> Property(const std::string& value,
                             const std::string& property,
                             const std::string& field) {
  Json j = ValueJson(value);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     field +
                         ": the value is not a JSON object, so property \"" +
                         property + "\" cannot be selected");
  }
  if (!j.contains(property)) {
    return MakeError(ErrorCode::kNotFound, field + ": property \"" + property +
                                               "\" not found in the value");
  }
  return j[property].is_string() ? j[property].get<std::string>()
                                 : j[property].dump();
}

std::chrono::milliseconds Jitter(std::chrono::milliseconds d) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> dist(
      0, std::max<int64_t>(1, d.count() / 10));
  return d + std::chrono::milliseconds(dist(rng));
}

// "scheme://host:port" of a hostAPI URL: the unit a bulkhead counts.
std::string HostKey(const std::string& host_api) {
  size_t start = host_api.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return host_api.substr(0, host_api.find('/', start));
}

}  // namespace

Result<vault::UniversalAuth> StoreAuth(kube::Client& client,
                                       const StoreSpec& store) {
  vault::UniversalAuth auth;
  auth.host_api = store.host_api;
  // Client id and secret usually live in one Secret: read each Secret once.
  std::map<std::pair<std::string, std::string>, Json> read;
  std::vector<std::pair<const SecretKeyRef*, std::string*>> refs;
  switch (store.auth_method) {
    case vault::AuthMethod::kUniversal:
      refs = {{&store.client_id, &auth.client_id},
              {&store.client_secret, &auth.client_secret}};
      break;
    case vault::AuthMethod::kToken:
      auth.method = vault::AuthMethod::kToken;
      auth.client_id =
          "token " + store.client_secret.ns + "/" + store.client_secret.name;
      refs = {{&store.client_secret, &auth.client_secret}};
      break;
    case vault::AuthMethod::kKubernetes:
      SetKubernetesAuth(client, store, auth);
      break;
  }
  for (auto [ref, out] : refs) {
    std::string id = "Secret " + ref->ns + "/" + ref->name;
    auto it = read.find({ref->ns, ref->name});
    if (it == read.end()) {
      auto s = client.Get(kube::kSecrets, {ref->ns, ref->name});
      if (!s) {
        ErrorCode c = s.error().code() == ErrorCode::kNotFound
                          ? ErrorCode::kFailedPrecondition
                          : ErrorCode::kUnavailable;
        return MakeError(
            c, "reading credentials " + id + ": " + s.error().message());
      }
      it = read.emplace(std::pair{ref->ns, ref->name}, std::move(*s)).first;
    }
    const Json& data = it->second.value("data", Json::object());
    if (!data.contains(ref->key) || !data[ref->key].is_string()) {
      return MakeError(
          ErrorCode::kFailedPrecondition,
          "credentials " + id + " have no key \"" + ref->key + "\"");
    }
    auto bytes = Base64Decode(data[ref->key].get<std::string>());
    if (!bytes || bytes->empty()) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "credentials " + id + " key \"" + ref->key +
                           "\" is empty or not base64");
    }
    out->assign(bytes->begin(), bytes->end());
    SecureWipe(bytes->data(), bytes->size());
  }
  auth.ca_pem = store.ca_pem;
  if (store.ca_ref) {
    // caProvider: a ConfigMap (data, plain text) or a Secret (base64) key.
    const SecretKeyRef& r = *store.ca_ref;
    std::string id =
        std::string(store.ca_in_config_map ? "ConfigMap " : "Secret ") + r.ns +
        "/" + r.name;
    auto o =
        client.Get(store.ca_in_config_map ? kube::kConfigMaps : kube::kSecrets,
                   {r.ns, r.name});
    if (!o) {
      ErrorCode c = o.error().code() == ErrorCode::kNotFound
                        ? ErrorCode::kFailedPrecondition
                        : ErrorCode::kUnavailable;
      return MakeError(c, "reading the CA " + id + ": " + o.error().message());
    }
    const Json& data = o->value("data", Json::object());
    if (!data.contains(r.key) || !data[r.key].is_string())
      return MakeError(ErrorCode::kFailedPrecondition,
                       "the CA " + id + " has no key \"" + r.key + "\"");
    std::string pem = data[r.key].get<std::string>();
    if (!store.ca_in_config_map) {
      auto bytes = Base64Decode(pem);
      pem = bytes ? std::string(bytes->begin(), bytes->end()) : "";
    }
    if (pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      return MakeError(
          ErrorCode::kFailedPrecondition,
          "the CA " + id + " key \"" + r.key + "\" holds no PEM certificate");
    auth.ca_pem = std::move(pem);
  }
  return auth;
}

ExternalSecretReconciler::ExternalSecretReconciler(kube::Client& client,
                                                   ExternalCaches caches,
                                                   vault::Client& vault,
                                                   const Clock& clock)
    : client_(client), caches_(caches), vault_(vault), clock_(clock) {}

Result<ExternalSecretReconciler::Fetched> ExternalSecretReconciler::Fetch(
    const ExternalSecretSpec& es, const StoreSpec& store,
    const vault::UniversalAuth& auth, bool fresh) {
  Fetched out;
  out.oldest = std::chrono::steady_clock::now();
  // One refresh window: lists younger than this are shared, not re-read; a
  // forced sync reads afresh.
  std::chrono::milliseconds max_age =
      fresh ? std::chrono::milliseconds(0)
      : es.refresh.count() > 0
          ? es.refresh
          : std::chrono::milliseconds(std::chrono::hours(1));
  auto list =
      [&](const std::string& rel_path,
          bool recursive) -> Result<std::shared_ptr<const vault::SecretList>> {
    vault::SecretScope scope = store.scope;
    scope.path = JoinPath(store.scope.path, rel_path);
    scope.recursive = scope.recursive || recursive;
    auto l = vault_.List(auth, scope, max_age);
    if (l) out.oldest = std::min(out.oldest, (*l)->fetched);
    return l;
  };
  std::string id = "ExternalSecret " + es.ns + "/" + es.name;
  for (size_t i = 0; i < es.data.size(); ++i) {
    const DataRef& r = es.data[i];
    std::string field = id + ": spec.data[" + std::to_string(i) + "]";
    std::string folder, name = r.key;
    if (size_t slash = r.key.rfind('/'); slash != std::string::npos) {
      folder = r.key.substr(0, slash);
      name = r.key.substr(slash + 1);
    }
    auto l = list(folder, false);
    if (!l) return std::unexpected(l.error().Wrap(field));
    const vault::VaultSecret* s = (*l)->Find(name);
    if (s == nullptr) {
      return MakeError(ErrorCode::kNotFound,
                       field + ": key " + r.key + " not found in " +
                           store.scope.project_slug + "/" +
                           store.scope.environment + ":" +
                           JoinPath(store.scope.path, folder));
    }
    std::string value(AsString(s->value));
    if (!r.property.empty()) {
      auto p = Property(value, r.property, field);
      if (!p) return std::unexpected(p.error());
      value = std::move(*p);
    }
    out.values[r.secret_key] = std::move(value);
  }
  for (size_t i = 0; i < es.data_from.size(); ++i) {
    const DataFrom& d = es.data_from[i];
    std::string field = id + ": spec.dataFrom[" + std::to_string(i) + "]";
    if (d.kind == DataFrom::Kind::kExtract) {
      std::string folder, name = d.key;
      if (size_t slash = d.key.rfind('/'); slash != std::string::npos) {
        folder = d.key.substr(0, slash);
        name = d.key.substr(slash + 1);
      }
      auto l = list(folder, false);
      if (!l) return std::unexpected(l.error().Wrap(field));
      const vault::VaultSecret* s = (*l)->Find(name);
      if (s == nullptr)
        return MakeError(ErrorCode::kNotFound,
                         field + ".extract: key " + d.key + " not found");
      std::string raw(AsString(s->value));
      Json j = ValueJson(raw);
      if (!d.property.empty() && j.is_object() && j.contains(d.property))
        j = j[d.property];
      if (j.is_discarded() || !j.is_object()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         field + ".extract: the value of " + d.key +
                             " is not a JSON object");
      }
      for (const auto& [k, v] : j.items()) {
        // Keys come from the vault's value: checked as the Secret's keys.
        if (auto ok = api::ValidateSecretKey(k, field + ".extract"); !ok)
          return std::unexpected(ok.error());
        out.values[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    } else {
      auto l = list(d.path, true);
      if (!l) return std::unexpected(l.error().Wrap(field));
      for (const auto& s : (*l)->secrets) {
        if (!RE2::PartialMatch(s.key, *d.name_re)) continue;
        if (auto ok = api::ValidateSecretKey(s.key, field + ".find"); !ok)
          return std::unexpected(ok.error());
        out.values[s.key] = std::string(AsString(s.value));
      }
    }
  }
  return out;
}

Result<bool> ExternalSecretReconciler::WriteStatus(
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

Json RenderExternalSecret(const ExternalSecretSpec& es, const std::string& uid,
                          const std::map<std::string, std::string>& data) {
  Json jdata = Json::object();
  for (const auto& [k, v] : data) jdata[k] = Base64Encode(AsBytes(v));
  Json labels = Json::object(), annotations = Json::object();
  for (const auto& [k, v] : es.template_labels) labels[k] = v;
  for (const auto& [k, v] : es.template_annotations) annotations[k] = v;
  labels[std::string(names::kManagedByLabel)] = names::kManagedByValue;
  // Merge writes into a Secret someone else made: its owner annotation (the
  // consent, possibly naming several objects) stays theirs.
  if (es.creation_policy != "Merge") {
    annotations[std::string(names::kOwnerAnnotation)] =
        "ExternalSecret/" + es.name;
  }
  Json desired = {{"apiVersion", "v1"},
                  {"kind", "Secret"},
                  {"metadata",
                   {{"name", es.target_name},
                    {"namespace", es.ns},
                    {"labels", labels},
                    {"annotations", annotations}}},
                  {"data", jdata}};
  if (es.creation_policy != "Merge")
    desired["type"] = es.template_type.empty() ? "Opaque" : es.template_type;
  if (es.immutable) desired["immutable"] = *es.immutable;
  if (es.creation_policy == "Owner") {
    desired["metadata"]["ownerReferences"] = {
        {{"apiVersion", "sealsync.dev/v1alpha1"},
         {"kind", "ExternalSecret"},
         {"name", es.name},
         {"uid", uid},
         {"controller", true},
         {"blockOwnerDeletion", true}}};
  }
  return desired;
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

Error ExternalSecretReconciler::NotOwned(const ExternalSecretSpec& es) {
  return Error(ErrorCode::kFailedPrecondition,
               NotOwnedMessage(es.ns + "/" + es.target_name, "ExternalSecret",
                               es.name))
      .WithReason(names::kReasonTargetNotOwned);
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
  std::optional<Json> observed;
  if (auto c = caches_.secrets.Get(target_key)) {
    observed = *c;
  } else if (es.creation_policy != "Merge") {
    // Not among our cached Secrets: usually it does not exist yet. One
    // create instead of a read and an apply; "already exists" means a
    // Secret we do not own (or ours, not cached yet): read it below.
    auto c = client_.Create(kube::kSecrets, desired);
    if (c) return {};
    if (c.error().code() != ErrorCode::kAlreadyExists) {
      return std::unexpected(
          Error(ErrorCode::kUnavailable,
                "creating Secret " + target_key + ": " + c.error().message())
              .WithReason(names::kReasonWriteFailed));
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
                               .WithReason(names::kReasonSecretSyncedError));
  }
  if (WriteConsent(*observed, "ExternalSecret", es.name, uid) ==
      Consent::kRefused) {
    return std::unexpected(NotOwned(es));
  }
  const Json& have = observed->value("data", Json::object());
  bool same = have == desired["data"];
  if (es.creation_policy == "Merge") {
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
            .WithReason(names::kReasonWriteFailed));
  }
  return {};
}

Result<Action> ExternalSecretReconciler::Reconcile(const std::string& key) {
  kube::ObjectPtr obj = caches_.external_secrets.Get(key);
  if (!obj) return Action::AwaitChange();
  auto es = ParseExternalSecret(*obj);
  if (!es) {
    Error e = es.error().WithReason(names::kReasonInvalidSpec);
    if (auto s = WriteStatus(*obj, nullptr, &e, e.reason(), {}); !s) {
      return std::unexpected(s.error());
    }
    return std::unexpected(e);
  }
  std::string id = "ExternalSecret " + key;
  auto retry = es->refresh.count() > 0
                   ? std::min<std::chrono::milliseconds>(es->refresh, 5min)
                   : 5min;
  auto degraded = [&](ErrorCode code, const std::string& msg,
                      std::string_view reason,
                      std::chrono::milliseconds again) -> Result<Action> {
    Error e = Error(code, msg).WithReason(reason);
    if (auto s = WriteStatus(*obj, &*es, &e, reason, {}); !s)
      return std::unexpected(s.error());
    return Action::Degraded(e, again);
  };

  // The store, its readiness and its credentials.
  kube::ObjectPtr store_obj = FindStore(caches_, *es);
  std::string store_id = es->store_kind + " " + es->store_name;
  if (!store_obj) {
    return degraded(ErrorCode::kFailedPrecondition,
                    id + ": " + store_id + " does not exist",
                    names::kReasonStoreNotReady, retry);
  }
  auto store = ParseStore(*store_obj);
  if (!store) {
    return degraded(store.error().code(), id + ": " + store.error().message(),
                    names::kReasonStoreNotReady, retry);
  }
  if (!StoreReady(*store_obj)) {
    return degraded(ErrorCode::kFailedPrecondition,
                    id + ": " + store_id + " is not ready",
                    names::kReasonStoreNotReady, 30s);
  }
  auto auth = StoreAuth(client_, *store);
  if (!auth) {
    if (auth.error().code() == ErrorCode::kUnavailable)
      return std::unexpected(auth.error());
    return degraded(auth.error().code(), id + ": " + auth.error().message(),
                    names::kReasonStoreNotReady, retry);
  }

  // The values. The existing Secret stays as it is on any failure. A change
  // since the last sync (spec, labels, a new force-sync annotation value)
  // reads the vault afresh; a new object shares the window's lists.
  std::string synced =
      obj->value("status", Json::object()).value("syncedResourceVersion", "");
  bool forced = !synced.empty() && synced != es->sync_version;
  auto fetched = Fetch(*es, *store, *auth, forced);
  SecureWipe(auth->client_secret.data(), auth->client_secret.size());
  if (!fetched) {
    const Error& e = fetched.error();
    if (e.code() == ErrorCode::kUnavailable ||
        e.code() == ErrorCode::kDeadlineExceeded) {
      Error r = e.WithReason(names::kReasonSecretSyncedError);
      (void)WriteStatus(*obj, &*es, &r, r.reason(), {});
      return std::unexpected(r);
    }
    auto again = e.code() == ErrorCode::kResourceExhausted
                     ? std::chrono::milliseconds(60s)
                     : retry;
    return degraded(e.code(), e.message(), names::kReasonSecretSyncedError,
                    again);
  }

  // Nothing left in the vault (a find that matches nothing): deletionPolicy.
  std::string target_key = es->ns + "/" + es->target_name;
  std::string uid = Str((*obj)["metadata"], "uid");
  if (fetched->values.empty()) {
    if (es->deletion_policy == "Delete" && es->creation_policy != "None") {
      auto d = DeleteTarget(*es, uid);
      if (!d) {
        if (d.error().reason() == names::kReasonTargetNotOwned) {
          return degraded(d.error().code(), id + ": " + d.error().message(),
                          d.error().reason(), retry);
        }
        return std::unexpected(d.error().Wrap(id));
      }
      if (auto st = WriteStatus(*obj, &*es, nullptr, "SecretDeleted", {});
          !st) {
        return std::unexpected(st.error());
      }
      return Action::RequeueAfter(retry);
    }
    if (es->deletion_policy == "Retain") {
      return degraded(ErrorCode::kNotFound,
                      id + ": the vault has no matching secrets; Secret " +
                          target_key +
                          " kept as it was (deletionPolicy Retain)",
                      names::kReasonSecretSyncedError, retry);
    }
    // Merge: write the Secret without the keys (below, with empty data).
  }

  // The Secret it should be.
  std::map<std::string, std::string> data;
  if (es->template_data.empty()) {
    data = fetched->values;
  } else {
    for (const auto& [k, tmpl] : es->template_data) {
      auto r = RenderTemplate(id + ": spec.target.template.data." + k, tmpl,
                              fetched->values);
      if (!r)
        return degraded(r.error().code(), r.error().message(),
                        names::kReasonSecretSyncedError, retry);
      data[k] = std::move(*r);
    }
  }
  for (const auto& [k, _] : data) {
    if (auto v = api::ValidateSecretKey(k, id + ": the vault's key names");
        !v) {
      return degraded(v.error().code(), v.error().message(),
                      names::kReasonSecretSyncedError, retry);
    }
  }
  Json desired = RenderExternalSecret(*es, uid, data);

  // Observe and write (creationPolicy None writes nothing).
  if (es->creation_policy != "None") {
    auto w = WriteTarget(*es, uid, desired);
    if (!w) {
      Error e = w.error().Wrap(id);
      if (e.reason().empty()) e = e.WithReason(names::kReasonSecretSyncedError);
      (void)WriteStatus(*obj, &*es, &e, e.reason(), {});
      // A missing Merge target or one without consent: look again at the
      // next refresh (consent is given on the Secret, which may not be
      // watched).
      if (e.code() == ErrorCode::kFailedPrecondition) {
        return degraded(e.code(), e.message(), e.reason(), retry);
      }
      return std::unexpected(e);
    }
  }
  auto age = std::chrono::steady_clock::now() - fetched->oldest;
  auto refreshed =
      clock_.WallNow() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
  refreshed = std::chrono::floor<std::chrono::seconds>(refreshed);
  if (auto s = WriteStatus(*obj, &*es, nullptr, names::kReasonSecretSynced,
                           refreshed);
      !s) {
    return std::unexpected(s.error());
  }
  if (es->refresh.count() == 0) return Action::AwaitChange();
  auto next =
      es->refresh - std::chrono::duration_cast<std::chrono::milliseconds>(age);
  return Action::RequeueAfter(
      Jitter(std::max<std::chrono::milliseconds>(next, 1s)));
}

StoreReconciler::StoreReconciler(kube::Client& client,
                                 const kube::Store& stores, std::string kind,
                                 vault::Client& vault, const Clock& clock,
                                 HostBulkhead& hosts)
    : client_(client),
      stores_(stores),
      kind_(std::move(kind)),
      vault_(vault),
      clock_(clock),
      hosts_(hosts) {}

Result<Action> StoreReconciler::Reconcile(const std::string& key) {
  kube::ObjectPtr obj = stores_.Get(key);
  if (!obj) return Action::AwaitChange();
  const kube::Resource& r =
      kind_ == "ClusterSecretStore" ? kClusterSecretStores : kSecretStores;
  int64_t gen = (*obj)["metadata"].value("generation", int64_t{0});
  Json old = obj->value("status", Json::object());
  auto finish = [&](const Error* e, std::string_view reason,
                    std::chrono::milliseconds again) -> Result<Action> {
    Json desired = {
        {"observedGeneration", gen},
        {"conditions",
         Json::array({ReadyCondition(
             old, e == nullptr, reason,
             e ? e->message() : "logged in to the vault", gen, clock_)})}};
    if (auto s = WriteStatusIfChanged(client_, r, *obj, desired); !s)
      return std::unexpected(s.error());
    if (e != nullptr) return Action::Degraded(e->WithReason(reason), again);
    return Action::RequeueAfter(Jitter(again));
  };
  auto store = ParseStore(*obj);
  if (!store) return finish(&store.error(), names::kReasonInvalidSpec, 5min);
  auto auth = StoreAuth(client_, *store);
  if (!auth) {
    if (auth.error().code() == ErrorCode::kUnavailable)
      return std::unexpected(auth.error());
    Error e(auth.error().code(),
            kind_ + " " + key + ": " + auth.error().message());
    return finish(&e, names::kReasonInvalidCredentials, 60s);
  }
  auto slot = hosts_.TryEnter(HostKey(auth->host_api));
  if (!slot) {
    SecureWipe(auth->client_secret.data(), auth->client_secret.size());
    return Action::RequeueAfter(2s);  // that host is busy: wait, not block
  }
  // Token auth has no login to try: reading the scope proves the token
  // (and the list is shared with the store's ExternalSecrets).
  Result<bool> ok = true;
  if (store->auth_method == vault::AuthMethod::kToken) {
    auto l = vault_.List(*auth, store->scope, store->refresh);
    if (!l) ok = std::unexpected(l.error());
  } else {
    ok = vault_.Verify(*auth);
  }
  slot.reset();
  SecureWipe(auth->client_secret.data(), auth->client_secret.size());
  if (!ok) {
    Error e(ok.error().code(), kind_ + " " + key + ": " + ok.error().message());
    // Transient: shown in status (a user sees why the store is not ready)
    // and retried soon, not after a whole refresh period.
    if (ok.error().code() == ErrorCode::kUnavailable ||
        ok.error().code() == ErrorCode::kResourceExhausted)
      return finish(&e, names::kReasonVaultUnavailable, 30s);
    return finish(&e, names::kReasonInvalidCredentials, store->refresh);
  }
  return finish(nullptr, names::kReasonStoreValidated, store->refresh);
}

}  // namespace sealsync::op
