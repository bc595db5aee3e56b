#include "tests/lib/kube/fake_client.h"

namespace sealsync::kube::testing {
namespace {

ObjectKey KeyOfObject(const Json& obj) {
  const Json& m = obj.at("metadata");
  return {m.value("namespace", ""), m.value("name", "")};
}

Error NotFound(const Resource& r, const ObjectKey& key) {
  return Error(ErrorCode::kNotFound,
               r.resource + " \"" + key.name + "\": 404 NotFound: not found");
}

using Path = std::vector<std::string>;

// Fields that identify or describe the object rather than being set by a
// manager.
bool Unowned(const Path& p) {
  if (p.size() == 1) return p[0] == "apiVersion" || p[0] == "kind";
  static const std::set<std::string> kMeta = {
      "name",          "namespace",         "uid",       "resourceVersion",
      "managedFields", "creationTimestamp", "generation"};
  return p.size() == 2 && p[0] == "metadata" && kMeta.contains(p[1]);
}

// The leaf paths of `j`: scalars and lists are leaves, maps are walked.
void Leaves(const Json& j, Path& at, std::set<Path>& out) {
  if (j.is_object() && !j.empty()) {
    for (const auto& [k, v] : j.items()) {
      at.push_back(k);
      Leaves(v, at, out);
      at.pop_back();
    }
    return;
  }
  if (!at.empty() && !Unowned(at)) out.insert(at);
}

std::set<Path> Leaves(const Json& j) {
  Path at;
  std::set<Path> out;
  Leaves(j, at, out);
  return out;
}

const Json* At(const Json& j, const Path& p) {
  const Json* cur = &j;
  for (const auto& k : p) {
    if (!cur->is_object() || !cur->contains(k)) return nullptr;
    cur = &(*cur)[k];
  }
  return cur;
}

void Erase(Json& j, const Path& p) {
  Json* cur = &j;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (!cur->is_object() || !cur->contains(p[i])) return;
    cur = &(*cur)[p[i]];
  }
  if (cur->is_object()) cur->erase(p.back());
}

void Set(Json& j, const Path& p, const Json& v) {
  Json* cur = &j;
  for (const auto& k : p) {
    if (!cur->is_object()) *cur = Json::object();
    cur = &(*cur)[k];
  }
  *cur = v;
}

std::string Dotted(const Path& p) {
  std::string out;
  for (const auto& k : p) out += "." + k;
  return out;
}

}  // namespace

FakeClient::Key FakeClient::KeyFor(const Resource& r, const ObjectKey& key) {
  return {r.group + "/" + r.resource, key.ns, key.name};
}

void FakeClient::SetHook(Hook hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hook_ = std::move(hook);
}

std::vector<FakeCall> FakeClient::Calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_;
}

int FakeClient::CountCalls(std::string_view verb,
                           std::string_view resource) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& c : calls_) {
    if (c.verb == verb && (resource.empty() || c.resource == resource)) ++n;
  }
  return n;
}

std::vector<Json> FakeClient::Objects(const Resource& r) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Json> out;
  for (const auto& [k, obj] : objects_) {
    if (std::get<0>(k) == r.group + "/" + r.resource) out.push_back(obj);
  }
  return out;
}

std::optional<Error> FakeClient::Begin(FakeCall call) {
  Hook hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(call);
    hook = hook_;
  }
  if (hook) return hook(call);
  return std::nullopt;
}

void FakeClient::Stamp(Json& obj) {
  Json& m = obj["metadata"];
  m["resourceVersion"] = std::to_string(++version_);
  if (!m.contains("uid")) m["uid"] = "uid-" + std::to_string(version_);
}

Result<Json> FakeClient::Get(const Resource& r, const ObjectKey& key) {
  if (auto e = Begin({"get", r.resource, key, {}})) return std::unexpected(*e);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(KeyFor(r, key));
  if (it == objects_.end()) return std::unexpected(NotFound(r, key));
  return it->second;
}

Result<ListResult> FakeClient::List(const Resource& r, std::string_view ns,
                                    const ListOptions&) {
  if (auto e = Begin({"list", r.resource, {std::string(ns), ""}, {}})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  ListResult out;
  for (const auto& [k, obj] : objects_) {
    if (std::get<0>(k) == r.group + "/" + r.resource &&
        (ns.empty() || std::get<1>(k) == ns)) {
      out.items.push_back(obj);
    }
  }
  out.resource_version = std::to_string(version_);
  return out;
}

Result<Json> FakeClient::Create(const Resource& r, const Json& obj) {
  ObjectKey key = KeyOfObject(obj);
  if (auto e = Begin({"create", r.resource, key, obj})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto k = KeyFor(r, key);
  if (objects_.contains(k)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     r.resource + " \"" + key.name +
                         "\": 409 AlreadyExists: already exists");
  }
  Json stored = obj;
  stored["metadata"].erase("resourceVersion");
  Stamp(stored);
  managers_.erase(k);
  Own(k, "", stored);
  objects_[k] = stored;
  return stored;
}

Result<Json> FakeClient::Update(const Resource& r, const Json& obj, bool) {
  ObjectKey key = KeyOfObject(obj);
  if (auto e = Begin({"update", r.resource, key, obj})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(KeyFor(r, key));
  if (it == objects_.end()) return std::unexpected(NotFound(r, key));
  std::string sent = obj["metadata"].value("resourceVersion", "");
  if (sent != it->second["metadata"]["resourceVersion"]) {
    return MakeError(ErrorCode::kAborted,
                     r.resource + " \"" + key.name +
                         "\": 409 Conflict: the object has been modified");
  }
  Json stored = obj;
  stored["metadata"]["uid"] = it->second["metadata"]["uid"];
  Stamp(stored);
  it->second = stored;
  Own(it->first, "", stored);
  return stored;
}

Result<Json> FakeClient::MergePatch(const Resource& r, const ObjectKey& key,
                                    const Json& patch, bool) {
  if (auto e = Begin({"patch", r.resource, key, patch})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(KeyFor(r, key));
  if (it == objects_.end()) return std::unexpected(NotFound(r, key));
  it->second.merge_patch(patch);
  Stamp(it->second);
  Json set = patch;  // null members delete: nobody owns them any more
  Own(it->first, "", set);
  for (const auto& p : Leaves(patch)) {
    if (At(patch, p)->is_null()) {
      for (auto& [m, fields] : managers_[it->first]) fields.erase(p);
    }
  }
  return it->second;
}

std::optional<Json> FakeClient::Object(const Resource& r,
                                       const ObjectKey& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(KeyFor(r, key));
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

Json FakeClient::Seed(const Resource& r, Json obj, const std::string& manager) {
  std::lock_guard<std::mutex> lock(mu_);
  Key k = KeyFor(r, KeyOfObject(obj));
  obj["metadata"].erase("resourceVersion");
  Stamp(obj);
  managers_.erase(k);
  Own(k, manager, obj);
  objects_[k] = obj;
  return obj;
}

std::vector<std::string> FakeClient::ManagedFields(
    const Resource& r, const ObjectKey& key, const std::string& manager) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  auto it = managers_.find(KeyFor(r, key));
  if (it == managers_.end() || !it->second.contains(manager)) return out;
  for (const auto& p : it->second.at(manager)) out.push_back(Dotted(p));
  return out;
}

void FakeClient::Own(const Key& k, const std::string& manager,
                     const Json& obj) {
  auto& mine = managers_[k][manager];
  for (const auto& p : Leaves(obj)) {
    mine.insert(p);
    // Another manager's claim on the same field moves to this one (an
    // Update or patch takes the fields it sets).
    for (auto& [m, fields] : managers_[k]) {
      if (m != manager) fields.erase(p);
    }
  }
}

Result<Json> FakeClient::Apply(const Resource& r, const Json& obj,
                               const ApplyOptions& opts, bool status) {
  ObjectKey key = KeyOfObject(obj);
  if (auto e = Begin({"apply", r.resource, key, obj})) {
    return std::unexpected(*e);
  }
  if (status) {
    return MakeError(ErrorCode::kUnimplemented,
                     "FakeClient does not apply status");
  }
  if (opts.field_manager.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     r.resource + " \"" + key.name +
                         "\": 400 BadRequest: fieldManager is required for "
                         "apply requests");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return ApplyLocked(r, KeyFor(r, key), obj, opts);
}

Result<Json> FakeClient::ApplyLocked(const Resource& r, const Key& k,
                                     const Json& obj,
                                     const ApplyOptions& opts) {
  auto it = objects_.find(k);
  std::set<Path> applied = Leaves(obj);
  if (it == objects_.end()) {
    Json stored = obj;
    stored["metadata"].erase("resourceVersion");
    Stamp(stored);
    managers_[k][opts.field_manager] = applied;
    objects_[k] = stored;
    return stored;
  }
  Json& have = it->second;
  auto& owners = managers_[k];
  std::vector<std::pair<std::string, Path>> conflicts;
  for (const auto& [m, fields] : owners) {
    if (m == opts.field_manager) continue;
    for (const auto& p : applied) {
      const Json* cur = At(have, p);
      if (fields.contains(p) && cur && *cur != *At(obj, p))
        conflicts.push_back({m, p});
    }
  }
  if (!conflicts.empty() && !opts.force) {
    std::string msg = r.resource + " \"" + std::get<2>(k) +
                      "\": 409 Conflict: Apply failed with " +
                      std::to_string(conflicts.size()) + " conflict" +
                      (conflicts.size() == 1 ? "" : "s") + ":";
    for (const auto& [m, p] : conflicts)
      msg += " conflict with \"" + m + "\": " + Dotted(p);
    return MakeError(ErrorCode::kAborted, msg);
  }
  for (const auto& [m, p] : conflicts) owners[m].erase(p);
  // Fields this manager applied before and no longer sends go, unless
  // another manager owns them too.
  for (const auto& p : owners[opts.field_manager]) {
    if (applied.contains(p)) continue;
    bool shared = false;
    for (const auto& [m, fields] : owners)
      shared = shared || (m != opts.field_manager && fields.contains(p));
    if (!shared) Erase(have, p);
  }
  for (const auto& p : applied) Set(have, p, *At(obj, p));
  owners[opts.field_manager] = applied;
  Stamp(have);
  return have;
}

Result<void> FakeClient::Delete(const Resource& r, const ObjectKey& key,
                                const DeleteOptions& opts) {
  if (auto e = Begin({"delete", r.resource, key, {}})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(KeyFor(r, key));
  if (it == objects_.end()) return std::unexpected(NotFound(r, key));
  std::string uid = it->second["metadata"].value("uid", "");
  if (!opts.precondition_uid.empty() && opts.precondition_uid != uid) {
    return MakeError(ErrorCode::kAborted,
                     r.resource + " \"" + key.name +
                         "\": 409 Conflict: Precondition failed: UID in "
                         "precondition: " +
                         opts.precondition_uid +
                         ", UID in object meta: " + uid);
  }
  managers_.erase(it->first);
  objects_.erase(it);
  return {};
}

Result<void> FakeClient::Watch(const Resource&, std::string_view,
                               const WatchOptions&, const WatchHandler&,
                               const std::atomic<bool>*) {
  return MakeError(ErrorCode::kUnimplemented, "FakeClient has no watch");
}

}  // namespace sealsync::kube::testing
