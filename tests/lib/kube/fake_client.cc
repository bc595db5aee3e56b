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
  return it->second;
}

Result<Json> FakeClient::Apply(const Resource&, const Json&,
                               const ApplyOptions&, bool) {
  return MakeError(ErrorCode::kUnimplemented, "FakeClient has no apply");
}

Result<bool> FakeClient::Delete(const Resource& r, const ObjectKey& key,
                                const DeleteOptions&) {
  if (auto e = Begin({"delete", r.resource, key, {}})) {
    return std::unexpected(*e);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (objects_.erase(KeyFor(r, key)) == 0) {
    return std::unexpected(NotFound(r, key));
  }
  return true;
}

Result<bool> FakeClient::Watch(const Resource&, std::string_view,
                               const WatchOptions&, const WatchHandler&,
                               const std::atomic<bool>*) {
  return MakeError(ErrorCode::kUnimplemented, "FakeClient has no watch");
}

}  // namespace sealsync::kube::testing
