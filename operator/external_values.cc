#include "operator/external_values.h"

#include "lib/base/base64.h"
#include "lib/kube/json_reader.h"
#include "operator/login_consent.h"
#include "operator/reasons.h"
#include "operator/service_account_token.h"
#include "sealsync/api.h"
#include "sealsync/names.h"

namespace sealsync::op {
namespace {

using kube::Json;

// A vault value read as JSON (for property and extract), or a discarded
// value. Nesting is bounded (kube::ReadJson): the value comes from a vault
// the tenant may run, and a deep one must not exhaust the stack when walked.
Json ValueJson(const std::string& value) {
  auto j = kube::ReadJson(value);
  return j ? std::move(*j) : Json(Json::value_t::discarded);
}

std::string JoinPath(const std::string& base, const std::string& rel) {
  std::string b = base.empty() ? "/" : base;
  if (rel.empty() || rel == "/") return b;
  if (b.ends_with('/')) b.pop_back();
  return b + (rel.starts_with('/') ? "" : "/") + rel;
}

// The PEM a store trusts for its vault's TLS: caBundle as parsed, or the
// caProvider key of a ConfigMap (plain text) or Secret (base64).
// kFailedPrecondition naming the object and key when it is missing or holds
// no certificate, kUnavailable when the API server fails.
Result<std::string> ReadCa(kube::Client& client, const StoreAuthInputs& store) {
  if (!store.ca_ref) return store.ca_pem;
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
  return pem;
}

}  // namespace

StoreAuthInputs AuthInputsOf(const StoreSpec& s) {
  return {.kind = s.kind,
          .ns = s.ns,
          .name = s.name,
          .host_api = s.host_api,
          .method = s.auth_method,
          .client_id = s.client_id,
          .client_secret = s.client_secret,
          .identity_id = s.identity_id,
          .service_account = s.service_account,
          .ca_pem = s.ca_pem,
          .ca_ref = s.ca_ref,
          .ca_in_config_map = s.ca_in_config_map};
}

namespace {

void Wipe(vault::UniversalAuth& a) {
  SecureWipe(a.client_secret.data(), a.client_secret.size());
}

}  // namespace

StoreAuthCache::~StoreAuthCache() {
  for (auto& [_, e] : entries_) Wipe(e.auth);
}

Result<vault::UniversalAuth> StoreAuthCache::Get(kube::Client& client,
                                                 const StoreSpec& store) {
  StoreAuthInputs key = AuthInputsOf(store);
  const auto now = clock_.Now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end() && now - it->second.read < ttl_) {
      return it->second.auth;
    }
  }
  auto auth = StoreAuth(client, key);
  if (!auth) return auth;
  std::lock_guard<std::mutex> lock(mu_);
  // Expired entries of other stores go too: the map holds recent ones only.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.read >= ttl_) {
      Wipe(it->second.auth);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  Entry& e = entries_[std::move(key)];
  Wipe(e.auth);
  e = Entry{*auth, now};
  return auth;
}

Result<vault::UniversalAuth> StoreAuth(kube::Client& client,
                                       const StoreAuthInputs& store) {
  vault::UniversalAuth auth;
  auth.host_api = store.host_api;
  // Client id and secret usually live in one Secret: read each Secret once.
  std::map<std::pair<std::string, std::string>, Json> read;
  std::vector<std::pair<const SecretKeyRef*, std::string*>> refs;
  switch (store.method) {
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
    case vault::AuthMethod::kKubernetes: {
      // The ServiceAccount must name this store (login_consent.h): checked
      // here, before anything can log in, and again before each token.
      StoreSpec who;
      who.kind = store.kind;
      who.ns = store.ns;
      who.name = store.name;
      who.identity_id = store.identity_id;
      who.service_account = store.service_account;
      if (auto c = CheckLoginConsent(client, who); !c)
        return std::unexpected(c.error());
      SetKubernetesAuth(client, who, auth);
      break;
    }
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
  auto ca = ReadCa(client, store);
  if (!ca) return std::unexpected(ca.error());
  auth.ca_pem = std::move(*ca);
  return auth;
}

namespace {

// Splits "folder/KEY" into the folder ("" for none) and the key name.
std::pair<std::string, std::string> SplitVaultKey(const std::string& key) {
  size_t slash = key.rfind('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// Reads the lists one ExternalSecret needs, sharing them within `max_age`.
class Lister {
 public:
  Lister(vault::Client& vault, const Clock& clock, const StoreSpec& store,
         const vault::UniversalAuth& auth, std::chrono::milliseconds max_age,
         std::optional<Clock::TimePoint> not_before, Fetched& out)
      : not_before_(not_before),
        clock_(clock),
        vault_(vault),
        store_(store),
        auth_(auth),
        max_age_(max_age),
        out_(out) {}
  Result<std::shared_ptr<const vault::SecretList>> List(
      const std::string& rel_path, bool recursive) {
    vault::SecretScope scope = store_.scope;
    scope.path = JoinPath(store_.scope.path, rel_path);
    scope.recursive = scope.recursive || recursive;
    auto l = vault_.List(auth_, scope, Fresh(max_age_));
    if (l) out_.oldest = std::min(out_.oldest, (*l)->fetched);
    return l;
  }
  // The list holding `name` in folder `rel_path`. A key missing from a
  // shared list older than kMissingKeyWindow may have been added since:
  // read once more, shared within that window (a key created just before
  // its ExternalSecret is found at once).
  Result<std::pair<std::shared_ptr<const vault::SecretList>,
                   const vault::VaultSecret*>>
  Lookup(const std::string& rel_path, const std::string& name) {
    auto l = List(rel_path, false);
    if (!l) return std::unexpected(l.error());
    const vault::VaultSecret* s = (*l)->Find(name);
    if (s == nullptr && clock_.Now() - (*l)->fetched > kMissingKeyWindow &&
        max_age_ > kMissingKeyWindow) {
      vault::SecretScope scope = store_.scope;
      scope.path = JoinPath(store_.scope.path, rel_path);
      auto again = vault_.List(auth_, scope, Fresh(kMissingKeyWindow));
      if (!again) return std::unexpected(again.error());
      l = std::move(again);
      s = (*l)->Find(name);
    }
    return std::pair{std::move(*l), s};
  }
  const StoreSpec& store() const { return store_; }

 private:
  static constexpr std::chrono::milliseconds kMissingKeyWindow{1000};
  // A forced sync takes only lists requested at or after not_before_ (the
  // vault client compares the moments exactly, so every forced sync of one
  // moment shares one list, however long it queued).
  vault::Freshness Fresh(std::chrono::milliseconds max_age) const {
    vault::Freshness f(max_age);
    f.requested_after = not_before_;
    return f;
  }
  std::optional<Clock::TimePoint> not_before_;
  const Clock& clock_;
  vault::Client& vault_;
  const StoreSpec& store_;
  const vault::UniversalAuth& auth_;
  std::chrono::milliseconds max_age_;
  Fetched& out_;
};

// spec.data[i]: one key (and optionally one property of its JSON value).
Result<void> FetchData(Lister& lister, const DataRef& r,
                       const std::string& field, Fetched& out) {
  auto [folder, name] = SplitVaultKey(r.key);
  auto l = lister.Lookup(folder, name);
  if (!l) return std::unexpected(l.error().Wrap(field));
  const vault::VaultSecret* s = l->second;
  if (s == nullptr) {
    const StoreSpec& store = lister.store();
    return MakeError(ErrorCode::kNotFound,
                     field + ": key " + r.key + " not found in " +
                         store.scope.project_slug + "/" +
                         store.scope.environment + ":" +
                         JoinPath(store.scope.path, folder));
  }
  std::string value(AsString(s->value));
  if (!r.property.empty()) {
    auto p = SelectProperty(value, r.property, field);
    SecureWipe(value.data(), value.size());
    if (!p) return std::unexpected(p.error());
    value = std::move(*p);
  }
  auto decoded = DecodeValue(value, r.decoding, field + ".remoteRef");
  SecureWipe(value.data(), value.size());
  if (!decoded) return std::unexpected(decoded.error());
  out.values[r.secret_key] = std::move(*decoded);
  return {};
}

// The keys one dataFrom entry found, rewritten, checked as Secret keys
// (they come from the vault) and added to `out`.
Result<void> Merge(std::map<std::string, std::string> got, const DataFrom& d,
                   const std::string& field, const std::string& kind,
                   Fetched& out) {
  auto rewritten = ApplyRewrites(std::move(got), d.rewrite, field);
  if (!rewritten) return std::unexpected(rewritten.error());
  for (auto& [k, v] : *rewritten) {
    if (auto ok = api::ValidateSecretKey(k, field + kind); !ok)
      return std::unexpected(ok.error());
    out.values[k] = std::move(v);
  }
  return {};
}

// spec.dataFrom[i].extract: every field of one key's JSON object value.
Result<void> FetchExtract(Lister& lister, const DataFrom& d,
                          const std::string& field, Fetched& out) {
  auto [folder, name] = SplitVaultKey(d.key);
  auto l = lister.Lookup(folder, name);
  if (!l) return std::unexpected(l.error().Wrap(field));
  const vault::VaultSecret* s = l->second;
  if (s == nullptr)
    return MakeError(ErrorCode::kNotFound,
                     field + ".extract: key " + d.key + " not found");
  std::string raw(AsString(s->value));
  if (!d.property.empty()) {
    auto p = SelectProperty(raw, d.property, field + ".extract");
    SecureWipe(raw.data(), raw.size());
    if (!p) return std::unexpected(p.error());
    raw = std::move(*p);
  }
  Json j = ValueJson(raw);
  SecureWipe(raw.data(), raw.size());
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        field + ".extract: the value of " + d.key + " is not a JSON object");
  }
  std::map<std::string, std::string> got;
  for (const auto& [k, v] : j.items()) {
    auto dec = DecodeValue(v.is_string() ? v.get<std::string>() : v.dump(),
                           d.decoding, field + ".extract");
    if (!dec) return std::unexpected(dec.error());
    got[k] = std::move(*dec);
  }
  return Merge(std::move(got), d, field, ".extract", out);
}

// spec.dataFrom[i].find: every key under a path whose name matches.
Result<void> FetchFind(Lister& lister, const DataFrom& d,
                       const std::string& field, Fetched& out) {
  auto l = lister.List(d.path, true);
  if (!l) return std::unexpected(l.error().Wrap(field));
  std::map<std::string, std::string> got;
  for (const auto& s : (*l)->secrets) {
    if (!RE2::PartialMatch(s.key, *d.name_re)) continue;
    auto dec = DecodeValue(std::string(AsString(s.value)), d.decoding,
                           field + ".find: key " + s.key);
    if (!dec) return std::unexpected(dec.error());
    got[s.key] = std::move(*dec);
  }
  return Merge(std::move(got), d, field, ".find", out);
}

}  // namespace

Result<Fetched> FetchValues(vault::Client& vault, const Clock& clock,
                            const ExternalSecretSpec& es,
                            const StoreSpec& store,
                            const vault::UniversalAuth& auth,
                            std::optional<Clock::TimePoint> forced) {
  Fetched out;
  out.oldest = clock.Now();
  // One refresh window: lists younger than this are shared, not re-read; a
  // forced sync takes lists requested after its time (Lister).
  std::chrono::milliseconds max_age =
      es.refresh.count() > 0 ? es.refresh
                             : std::chrono::milliseconds(std::chrono::hours(1));
  Lister lister(vault, clock, store, auth, max_age, forced, out);
  std::string id = "ExternalSecret " + es.ns + "/" + es.name;
  for (size_t i = 0; i < es.data.size(); ++i) {
    std::string field = id + ": spec.data[" + std::to_string(i) + "]";
    if (auto r = FetchData(lister, es.data[i], field, out); !r)
      return std::unexpected(r.error());
  }
  for (size_t i = 0; i < es.data_from.size(); ++i) {
    const DataFrom& d = es.data_from[i];
    std::string field = id + ": spec.dataFrom[" + std::to_string(i) + "]";
    auto r = d.kind == DataFrom::Kind::kExtract
                 ? FetchExtract(lister, d, field, out)
                 : FetchFind(lister, d, field, out);
    if (!r) return std::unexpected(r.error());
  }
  return out;
}

Result<Json> RenderTarget(const ExternalSecretSpec& es, const std::string& uid,
                          const std::map<std::string, std::string>& values,
                          const std::vector<TemplateSource>& from) {
  std::string id = "ExternalSecret " + es.ns + "/" + es.name;
  RenderedTarget r;
  // Wiped on every path out: rendered values are secrets.
  struct WipeOnExit {
    RenderedTarget& r;
    ~WipeOnExit() {
      for (auto& [_, v] : r.data) SecureWipe(v.data(), v.size());
    }
  } wipe{r};
  if (es.template_data.empty() && es.template_from.empty()) {
    r.data = values;
  } else {
    if (auto ok = RenderTemplateFrom(from, values, r); !ok)
      return std::unexpected(ok.error());
    for (const auto& [k, tmpl] : es.template_data) {
      auto v =
          RenderTemplate(id + ": spec.target.template.data." + k, tmpl, values);
      if (!v) return std::unexpected(v.error());
      std::string& slot = r.data[k];
      SecureWipe(slot.data(), slot.size());
      slot = std::move(*v);
    }
  }
  for (const auto& [k, _] : r.data) {
    if (auto v = api::ValidateSecretKey(k, id + ": the vault's key names"); !v)
      return std::unexpected(v.error());
  }
  return RenderExternalSecret(es, uid, r);
}

Json RenderExternalSecret(const ExternalSecretSpec& es, const std::string& uid,
                          const RenderedTarget& rendered) {
  Json jdata = Json::object();
  for (const auto& [k, v] : rendered.data) jdata[k] = Base64Encode(AsBytes(v));
  Json labels = Json::object(), annotations = Json::object();
  for (const auto& [k, v] : es.template_labels) labels[k] = v;
  for (const auto& [k, v] : es.template_annotations) annotations[k] = v;
  for (const auto& [k, v] : rendered.labels) labels[k] = v;
  for (const auto& [k, v] : rendered.annotations) annotations[k] = v;
  labels[std::string(names::kManagedByLabel)] = names::kManagedByValue;
  // Merge writes into a Secret someone else made: its owner annotation (the
  // consent, possibly naming several objects) stays theirs.
  if (es.creation_policy != CreationPolicy::kMerge) {
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
  if (es.creation_policy != CreationPolicy::kMerge)
    desired["type"] = es.template_type.empty() ? "Opaque" : es.template_type;
  if (es.immutable) desired["immutable"] = *es.immutable;
  if (es.creation_policy == CreationPolicy::kOwner) {
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

}  // namespace sealsync::op
