// The data of the Infisical double: identities, projects, environments,
// folders, secrets and imports, loaded from the seed format described in
// README.md, and the read paths of `GET /api/v3/secrets/raw[/{name}]`.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/fakes/infisical/api_error.h"

namespace sealsync::infisical_double {

struct Tag {
  std::string id, slug, name;
};

struct Secret {
  std::string id, key, value, comment;
  int version = 1;
  bool skip_multiline_encoding = false;
  std::vector<Tag> tags;
  std::string created_at, updated_at;  // ISO-8601 with milliseconds, UTC
};

struct Import {
  std::string environment, secret_path;
};

struct Folder {
  std::string id, path;
  std::vector<Secret> secrets;  // in seed order
  std::vector<Import> imports;  // in seed order
};

struct Environment {
  std::string id, slug, name;
  std::map<std::string, Folder> folders;  // by normalised path; "/" always
};

struct Project {
  std::string id, slug, name;
  std::map<std::string, Environment> environments;  // by slug
};

// An identity's Kubernetes Auth configuration (identity_kubernetes_auths):
// where to send the TokenReview and what the reviewed token must be.
// Comma-separated lists; an empty one allows anything.
struct KubernetesAuth {
  std::string kubernetes_host;     // "https://127.0.0.1:6443"
  std::string ca_cert;             // PEM; empty: the system's trust
  std::string token_reviewer_jwt;  // empty: the login's own JWT reviews
  std::string allowed_namespaces, allowed_names, allowed_audience;
};

struct Identity {
  // client_id / client_secret: Universal Auth (optional when
  // kubernetes_auth is set).
  std::string id, name, client_id, client_secret, client_secret_id;
  std::optional<KubernetesAuth> kubernetes_auth;
  long long access_token_ttl = 2592000;      // s; 0 = never expires
  long long access_token_max_ttl = 2592000;  // s; 0 = no limit
  bool lockout_enabled = true;
  int lockout_threshold = 3;
  long long lockout_duration_s = 300;
  long long lockout_counter_reset_s = 30;
  std::vector<std::string> projects;  // ids or slugs; "*" = every project
};

struct Seed {
  std::vector<Identity> identities;
  std::vector<Project> projects;
};

// Parses the seed JSON. On error returns a message naming the bad field.
[[nodiscard]] std::expected<Seed, std::string> ParseSeed(const Json& seed);

// "/a//b/" -> "/a/b"; "" -> "/". Resolves "." and "..".
[[nodiscard]] std::string NormalizePath(const std::string& path);

// A deterministic RFC 4122-shaped id derived from `name` (SHA-256 based), so
// the same seed yields the same ids and ETags on every run.
[[nodiscard]] std::string StableUuid(const std::string& name);

struct ListQuery {
  std::string environment, secret_path = "/";
  bool recursive = false, include_imports = false, expand = false;
  bool view_secret_value = true;
};

struct GetQuery {
  std::string environment, secret_path = "/", secret_name, type = "shared";
  bool include_imports = false, expand = false, view_secret_value = true;
  std::optional<int> version;
};

// A `VaultModel` owns the seeded data and answers the secret read endpoints
// exactly as Infisical's secret-v2-bridge service shapes them. Not
// thread-safe: the server calls it under its own mutex.
class VaultModel {
 public:
  explicit VaultModel(Seed seed) : seed_(std::move(seed)) {}

  [[nodiscard]] const Identity* FindIdentityByClientId(
      const std::string& client_id) const;
  [[nodiscard]] const Identity* FindIdentityById(const std::string& id) const;
  [[nodiscard]] const Project* FindProjectById(const std::string& id) const;
  [[nodiscard]] const Project* FindProjectBySlug(const std::string& slug) const;
  // Whether `identity` is a member of `project`.
  [[nodiscard]] static bool IsMember(const Identity& identity,
                                     const Project& project);

  // `{secrets, imports}` of GET /api/v3/secrets/raw. Errors: 404 when the
  // environment is missing on a recursive listing (a missing folder or
  // environment otherwise lists nothing, as the real server does).
  [[nodiscard]] std::expected<Json, ApiError> List(const Project& project,
                                                   const ListQuery& q) const;
  // `{secret}` of GET /api/v3/secrets/raw/{name}. Errors: 404 "GetSecretByName"
  // for a missing folder, 404 "NotFound" for a missing secret.
  [[nodiscard]] std::expected<Json, ApiError> Get(const Project& project,
                                                  const GetQuery& q) const;

  // Control-API edits. Upsert bumps `version` and `updatedAt`; creates the
  // folder (and parents) if needed. Errors are plain messages (bad project or
  // environment).
  [[nodiscard]] std::expected<void, std::string> UpsertSecret(
      const std::string& project, const std::string& environment,
      const std::string& path, const std::string& key, const std::string& value,
      const std::optional<std::string>& comment, const std::string& now_iso);
  [[nodiscard]] std::expected<bool, std::string> DeleteSecret(
      const std::string& project, const std::string& environment,
      const std::string& path, const std::string& key);

 private:
  const Folder* FindFolder(const Project& p, const std::string& env,
                           const std::string& path) const;
  std::string ExpandReferences(const Project& p, const std::string& env,
                               const std::string& path, const std::string& key,
                               const std::string& value,
                               bool skip_multiline) const;
  struct ImportEntry {
    Import imp;
    const Folder* folder;  // null when the imported path does not exist
    std::vector<const Secret*> secrets;
  };
  std::vector<ImportEntry> CollectImports(
      const Project& p, const std::vector<const Folder*>& folders) const;
  Json ImportsJson(const Project& p, const std::vector<ImportEntry>& entries,
                   bool view_value) const;

  Seed seed_;
};

}  // namespace sealsync::infisical_double
