#include "tests/lib/vault/fake_vault.h"

namespace sealsync::vault::testing {
namespace {

// "/a/b/" and "a/b" -> "/a/b"; "" -> "/".
std::string Folder(std::string p) {
  if (!p.starts_with('/')) p = "/" + p;
  while (p.size() > 1 && p.ends_with('/')) p.pop_back();
  return p;
}

bool Below(const std::string& folder, const std::string& top) {
  return top == "/" || folder == top || folder.starts_with(top + "/");
}

}  // namespace

void FakeVault::SetIdentity(std::string client_id, std::string client_secret) {
  std::lock_guard<std::mutex> lock(mu_);
  client_id_ = std::move(client_id);
  client_secret_ = std::move(client_secret);
}

void FakeVault::Put(const std::string& project, const std::string& env,
                    const std::string& path, const std::string& key,
                    const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_[{project, env, Folder(path)}][key] = value;
}

void FakeVault::Remove(const std::string& project, const std::string& env,
                       const std::string& path, const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  secrets_[{project, env, Folder(path)}].erase(key);
}

void FakeVault::Fail(std::optional<Error> error) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_ = std::move(error);
}

Result<void> FakeVault::Check(const UniversalAuth& auth) const {
  if (fail_) return std::unexpected(*fail_);
  if (auth.client_id != client_id_ || auth.client_secret != client_secret_) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "login to " + auth.host_api + " failed for client id " +
                         auth.client_id + ": invalid credentials");
  }
  return {};
}

Result<void> FakeVault::Verify(const UniversalAuth& auth) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.logins;
  return Check(auth);
}

Result<std::shared_ptr<const SecretList>> FakeVault::List(
    const UniversalAuth& auth, const SecretScope& scope, const Freshness&) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.list_calls;
  if (auto c = Check(auth); !c) return std::unexpected(c.error());
  auto list = std::make_shared<SecretList>();
  list->path = Folder(scope.path);
  list->fetched = clock_.Now();
  for (const auto& [where, keys] : secrets_) {
    const auto& [project, env, folder] = where;
    if (project != scope.project_slug || env != scope.environment) continue;
    if (folder != list->path && !(scope.recursive && Below(folder, list->path)))
      continue;
    for (const auto& [k, v] : keys) {
      VaultSecret s;
      s.key = k;
      s.value = SecureBytes(v.begin(), v.end());
      s.path = folder;
      s.version = 1;
      list->secrets.push_back(std::move(s));
    }
  }
  return std::shared_ptr<const SecretList>(std::move(list));
}

Result<VaultSecret> FakeVault::Get(const UniversalAuth& auth,
                                   const SecretScope& scope,
                                   const std::string& name) {
  auto l = List(auth, scope, std::chrono::milliseconds(0));
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.get_calls;
  if (!l) return std::unexpected(l.error());
  const VaultSecret* s = (*l)->Find(name);
  if (s == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "key " + name + " not found in " + scope.ToString());
  }
  return VaultSecret{s->key, SecureBytes(s->value.begin(), s->value.end()),
                     s->path, s->version};
}

ClientStats FakeVault::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace sealsync::vault::testing
