#include "tests/fakes/infisical/vault_model.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <regex>
#include <set>

namespace sealsync::infisical_double {
namespace {

constexpr char kDefaultTimestamp[] = "2024-01-01T00:00:00.000Z";
// INFISICAL_SECRET_VALUE_HIDDEN_MASK
// (backend/src/services/secret/secret-fns.ts)
constexpr char kHiddenMask[] = "<hidden-by-infisical>";
constexpr int kMaxReferenceDepth = 10;  // MAX_SECRET_REFERENCE_DEPTH
constexpr int kImportLevelBreak = 10;   // LEVEL_BREAK in secret-import-fns.ts

// INTERPOLATION_PATTERN_STRING: \${([a-zA-Z0-9-_.]+)}
const std::regex& ReferenceRegex() {
  static const std::regex re(R"(\$\{([a-zA-Z0-9_.\-]+)\})");
  return re;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::string> PathParts(const std::string& normalized) {
  std::vector<std::string> out;
  for (auto& p : Split(normalized, '/'))
    if (!p.empty()) out.push_back(p);
  return out;
}

void ReplaceAll(std::string& s, const std::string& from,
                const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos;
       pos += to.size())
    s.replace(pos, from.size(), to);
}

// formatMultiValueEnv in secret-reference-fns.ts.
std::string FormatMultiValueEnv(const std::string& v) {
  if (v.find('\n') == std::string::npos) return v;
  std::string out = v;
  ReplaceAll(out, "\n", "\\n");
  return "\"" + out + "\"";
}

Json TagsJson(const std::vector<Tag>& tags) {
  Json arr = Json::array();
  for (const auto& t : tags)
    arr.push_back(Json{
        {"id", t.id}, {"slug", t.slug}, {"color", nullptr}, {"name", t.name}});
  return arr;
}

// The fields of secretRawSchema (backend/src/server/routes/sanitizedSchemas.ts)
// in schema order; the response serializer strips everything else.
Json RawSecretCore(const Secret& s, const std::string& workspace,
                   const std::string& env, const std::string& value,
                   bool with_timestamps) {
  Json j;
  j["id"] = s.id;
  j["_id"] = s.id;
  j["workspace"] = workspace;
  j["environment"] = env;
  j["version"] = s.version;
  j["type"] = "shared";
  j["secretKey"] = s.key;
  j["secretValue"] = value;
  j["secretComment"] = s.comment;
  if (with_timestamps) {
    j["secretReminderNote"] = nullptr;
    j["secretReminderRepeatDays"] = nullptr;
  }
  j["skipMultilineEncoding"] = s.skip_multiline_encoding;
  if (with_timestamps) {
    j["createdAt"] = s.created_at;
    j["updatedAt"] = s.updated_at;
    j["isRotatedSecret"] = false;
    j["rotationId"] = nullptr;
  }
  return j;
}

std::expected<Secret, std::string> ParseSecret(const std::string& scope,
                                               const std::string& key,
                                               const Json& v) {
  Secret s;
  s.key = key;
  s.id = StableUuid("secret|" + scope + "|" + key);
  s.created_at = s.updated_at = kDefaultTimestamp;
  if (v.is_string()) {
    s.value = v.get<std::string>();
    return s;
  }
  if (!v.is_object())
    return std::unexpected("secret " + key + ": want string or object");
  try {
    s.value = v.value("value", "");
    s.comment = v.value("comment", "");
    s.version = v.value("version", 1);
    s.skip_multiline_encoding = v.value("skipMultilineEncoding", false);
    s.id = v.value("id", s.id);
    s.created_at = v.value("createdAt", s.created_at);
    s.updated_at = v.value("updatedAt", s.created_at);
    for (const auto& t : v.value("tags", Json::array())) {
      std::string slug = t.get<std::string>();
      s.tags.push_back({StableUuid("tag|" + slug), slug, slug});
    }
  } catch (const std::exception& e) {
    return std::unexpected("secret " + key + ": " + e.what());
  }
  return s;
}

Folder& EnsureFolder(Environment& env, const std::string& project_id,
                     const std::string& path) {
  std::string cur;
  Folder* last = nullptr;
  auto make = [&](const std::string& p) -> Folder& {
    auto [it, inserted] = env.folders.try_emplace(p);
    if (inserted) {
      it->second.path = p;
      it->second.id =
          StableUuid("folder|" + project_id + "|" + env.slug + "|" + p);
    }
    return it->second;
  };
  last = &make("/");
  for (const auto& part : PathParts(path)) {
    cur += "/" + part;
    last = &make(cur);
  }
  return *last;
}

std::expected<Project, std::string> ParseProject(const Json& pj) {
  Project p;
  try {
    p.slug = pj.at("slug").get<std::string>();
    p.id = pj.value("id", StableUuid("project|" + p.slug));
    p.name = pj.value("name", p.slug);
    const Json envs = pj.value("environments", Json::object());
    for (const auto& [env_slug, ej] : envs.items()) {
      Environment env;
      env.slug = env_slug;
      env.id = StableUuid("env|" + p.id + "|" + env_slug);
      env.name = ej.value("name", env_slug);
      EnsureFolder(env, p.id, "/");
      const Json folders = ej.value("folders", Json::object());
      for (const auto& [raw_path, fj] : folders.items()) {
        std::string path = NormalizePath(raw_path);
        Folder& f = EnsureFolder(env, p.id, path);
        std::string scope = p.id + "|" + env_slug + "|" + path;
        const Json secrets = fj.value("secrets", Json::object());
        for (const auto& [key, sv] : secrets.items()) {
          auto s = ParseSecret(scope, key, sv);
          if (!s)
            return std::unexpected("project " + p.slug + " env " + env_slug +
                                   " " + path + ": " + s.error());
          f.secrets.push_back(std::move(*s));
        }
        for (const auto& ij : fj.value("imports", Json::array())) {
          f.imports.push_back({ij.at("environment").get<std::string>(),
                               NormalizePath(ij.value("secretPath", "/"))});
        }
      }
      p.environments.emplace(env_slug, std::move(env));
    }
  } catch (const std::exception& e) {
    return std::unexpected("project: " + std::string(e.what()));
  }
  return p;
}

}  // namespace

std::string NormalizePath(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& part : PathParts(path)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(part);
  }
  std::string r;
  for (const auto& p : out) r += "/" + p;
  return r.empty() ? "/" : r;
}

std::string StableUuid(const std::string& name) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), d);
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x40);
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);
  char buf[37];
  std::snprintf(
      buf, sizeof buf,
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11],
      d[12], d[13], d[14], d[15]);
  return buf;
}

std::expected<Seed, std::string> ParseSeed(const Json& j) {
  if (!j.is_object()) return std::unexpected("seed: want a JSON object");
  Seed seed;
  try {
    for (const auto& ij : j.value("identities", Json::array())) {
      Identity id;
      if (ij.contains("kubernetesAuth")) {
        const Json& k = ij.at("kubernetesAuth");
        KubernetesAuth ka;
        ka.kubernetes_host = k.at("kubernetesHost").get<std::string>();
        ka.ca_cert = k.value("caCert", "");
        ka.token_reviewer_jwt = k.value("tokenReviewerJwt", "");
        ka.allowed_namespaces = k.value("allowedNamespaces", "");
        ka.allowed_names = k.value("allowedNames", "");
        ka.allowed_audience = k.value("allowedAudience", "");
        id.kubernetes_auth = std::move(ka);
        id.client_id = ij.value("clientId", "");
        id.client_secret = ij.value("clientSecret", "");
        id.name = ij.value("name", "kubernetes");
        id.id = ij.at("id").get<std::string>();
      } else {
        id.client_id = ij.at("clientId").get<std::string>();
        id.client_secret = ij.at("clientSecret").get<std::string>();
        id.name = ij.value("name", id.client_id);
        id.id = ij.value("id", StableUuid("identity|" + id.client_id));
      }
      id.client_secret_id = StableUuid("client-secret|" + id.client_id);
      id.access_token_ttl = ij.value("accessTokenTTL", id.access_token_ttl);
      id.access_token_max_ttl =
          ij.value("accessTokenMaxTTL", id.access_token_max_ttl);
      id.lockout_enabled = ij.value("lockoutEnabled", id.lockout_enabled);
      id.lockout_threshold = ij.value("lockoutThreshold", id.lockout_threshold);
      id.lockout_duration_s =
          ij.value("lockoutDurationSeconds", id.lockout_duration_s);
      id.lockout_counter_reset_s =
          ij.value("lockoutCounterResetSeconds", id.lockout_counter_reset_s);
      id.projects = ij.value("projects", std::vector<std::string>{"*"});
      if (id.access_token_ttl < 0 || id.access_token_max_ttl < 0)
        return std::unexpected("identity " + id.client_id + ": negative TTL");
      seed.identities.push_back(std::move(id));
    }
    for (const auto& pj : j.value("projects", Json::array())) {
      auto p = ParseProject(pj);
      if (!p) return std::unexpected(p.error());
      seed.projects.push_back(std::move(*p));
    }
  } catch (const std::exception& e) {
    return std::unexpected("seed: " + std::string(e.what()));
  }
  return seed;
}

const Identity* VaultModel::FindIdentityByClientId(
    const std::string& cid) const {
  for (const auto& i : seed_.identities)
    if (!i.client_id.empty() && i.client_id == cid) return &i;
  return nullptr;
}

const Identity* VaultModel::FindIdentityById(const std::string& id) const {
  for (const auto& i : seed_.identities)
    if (i.id == id) return &i;
  return nullptr;
}

const Project* VaultModel::FindProjectById(const std::string& id) const {
  for (const auto& p : seed_.projects)
    if (p.id == id) return &p;
  return nullptr;
}

const Project* VaultModel::FindProjectBySlug(const std::string& slug) const {
  for (const auto& p : seed_.projects)
    if (p.slug == slug) return &p;
  return nullptr;
}

bool VaultModel::IsMember(const Identity& identity, const Project& project) {
  for (const auto& p : identity.projects)
    if (p == "*" || p == project.id || p == project.slug) return true;
  return false;
}

const Folder* VaultModel::FindFolder(const Project& p, const std::string& env,
                                     const std::string& path) const {
  auto e = p.environments.find(env);
  if (e == p.environments.end()) return nullptr;
  auto f = e->second.folders.find(NormalizePath(path));
  return f == e->second.folders.end() ? nullptr : &f->second;
}

// A port of recursivelyExpandSecret (secret-reference-fns.ts): a stack walk
// that replaces `${KEY}` (same env and folder as the secret being expanded)
// and `${env.a.b.KEY}` (folder /a/b of env) in the root value, follows
// references inside referenced values (relative to where those live) up to
// depth 10, stops at cycles, and leaves a reference to a missing or empty
// secret untouched.
std::string VaultModel::ExpandReferences(const Project& p,
                                         const std::string& env,
                                         const std::string& path,
                                         const std::string& key,
                                         const std::string& value,
                                         bool skip_multiline) const {
  if (value.empty() || !std::regex_search(value, ReferenceRegex()))
    return value;
  auto fetch = [&](const std::string& e, const std::string& fp,
                   const std::string& k) -> std::string {
    const Folder* f = FindFolder(p, e, fp);
    if (!f) return "";
    for (const auto& s : f->secrets)
      if (s.key == k) return s.value;
    return "";
  };
  struct Frame {
    std::string value, path, env;
    int depth;
    std::set<std::string> visited;
  };
  std::string expanded = value;
  std::vector<Frame> stack{
      {value, path, env, 0, {env + ":" + path + ":" + key}}};
  while (!stack.empty()) {
    Frame fr = std::move(stack.back());
    stack.pop_back();
    if (fr.depth > kMaxReferenceDepth) continue;
    std::vector<std::string> refs;
    for (auto it = std::sregex_iterator(fr.value.begin(), fr.value.end(),
                                        ReferenceRegex());
         it != std::sregex_iterator(); ++it)
      refs.push_back((*it)[0].str());
    for (const auto& ref : refs) {
      std::vector<std::string> ent = Split(ref.substr(2, ref.size() - 3), '.');
      std::string r_env, r_path, r_key;
      if (ent.size() == 1) {
        r_env = fr.env;
        r_path = fr.path;
        r_key = ent[0];
      } else {
        r_env = ent.front();
        std::string joined;
        for (size_t i = 1; i + 1 < ent.size(); ++i) joined += "/" + ent[i];
        r_path = NormalizePath(joined);
        r_key = ent.back();
      }
      std::string r_value = fetch(r_env, r_path, r_key);
      std::string id = r_env + ":" + r_path + ":" + r_key;
      bool circular = fr.visited.count(id) > 0;
      auto visited = fr.visited;
      visited.insert(id);
      if (!circular && std::regex_search(r_value, ReferenceRegex()))
        stack.push_back(
            {r_value, r_path, r_env, fr.depth + 1, std::move(visited)});
      if (!r_value.empty()) ReplaceAll(expanded, ref, r_value);
    }
  }
  return skip_multiline ? FormatMultiValueEnv(expanded) : expanded;
}

std::expected<Json, ApiError> VaultModel::List(const Project& p,
                                               const ListQuery& q) const {
  Json out;
  out["secrets"] = Json::array();
  out["imports"] = Json::array();
  const std::string base = NormalizePath(q.secret_path);
  std::vector<const Folder*> folders;
  auto env_it = p.environments.find(q.environment);
  if (q.recursive) {
    if (env_it == p.environments.end())
      return std::unexpected(NotFound("Environment with slug '" +
                                      q.environment + "' in project with ID " +
                                      p.id + " not found"));
    // generatePaths: depth-first, a folder before its children.
    for (const auto& [path, f] : env_it->second.folders) folders.push_back(&f);
    std::sort(folders.begin(), folders.end(),
              [](const Folder* a, const Folder* b) {
                return PathParts(a->path) < PathParts(b->path);
              });
    std::erase_if(folders, [&](const Folder* f) {
      return !(base == "/" || f->path == base ||
               f->path.starts_with(base + "/"));
    });
  } else if (const Folder* f = FindFolder(p, q.environment, base)) {
    folders.push_back(f);
  }
  if (folders.empty()) return out;

  for (const Folder* f : folders) {
    for (const auto& s : f->secrets) {
      std::string value = s.value;
      if (q.expand && q.view_secret_value)
        value = ExpandReferences(p, q.environment, f->path, s.key, s.value,
                                 s.skip_multiline_encoding);
      Json j = RawSecretCore(s, p.id, q.environment,
                             q.view_secret_value ? value : kHiddenMask, true);
      j["secretPath"] = f->path;
      j["secretValueHidden"] = !q.view_secret_value;
      j["secretMetadata"] = Json::array();
      j["tags"] = TagsJson(s.tags);
      out["secrets"].push_back(std::move(j));
    }
  }
  if (q.include_imports)
    out["imports"] =
        ImportsJson(p, CollectImports(p, folders), q.view_secret_value);
  return out;
}

// A port of fnSecretsV2FromImports (secret-import-fns.ts): the first level of
// imports becomes the entries; secrets of second-level imports (imports made
// by an imported folder) are appended to the first-level entry that led there.
// As in the real code, a third level is walked but its secrets reach no entry
// (they are appended to an array that was already copied). Cycles and depth
// > 10 stop the walk; a missing imported folder gives an entry with no folder
// and no secrets. Secrets of one imported folder come in id order.
std::vector<VaultModel::ImportEntry> VaultModel::CollectImports(
    const Project& p, const std::vector<const Folder*>& folders) const {
  using Bucket = std::shared_ptr<std::vector<const Secret*>>;
  struct Frame {
    std::vector<Import> imports;
    int depth;
    Bucket parent;
  };
  std::vector<Import> root;
  for (const Folder* f : folders)
    root.insert(root.end(), f->imports.begin(), f->imports.end());
  std::set<std::string> seen;
  std::vector<std::pair<ImportEntry, Bucket>> processed;
  std::vector<Frame> stack{{root, 0, nullptr}};
  while (!stack.empty()) {
    Frame fr = std::move(stack.back());
    stack.pop_back();
    if (fr.depth > kImportLevelBreak) continue;
    std::vector<Import> batch;
    for (const auto& i : fr.imports)
      if (!seen.count(i.environment + "=" + i.secret_path)) batch.push_back(i);
    if (batch.empty()) continue;
    std::vector<const Folder*> imported;
    bool any = false;
    for (const auto& i : batch) {
      imported.push_back(FindFolder(p, i.environment, i.secret_path));
      any = any || imported.back() != nullptr;
    }
    if (!any) continue;
    for (const auto& i : batch)
      seen.insert(i.environment + "=" + i.secret_path);
    const bool first_level = processed.empty();
    for (size_t i = 0; i < batch.size(); ++i) {
      auto bucket = std::make_shared<std::vector<const Secret*>>();
      if (const Folder* f = imported[i]) {
        for (const auto& s : f->secrets) bucket->push_back(&s);
        std::sort(
            bucket->begin(), bucket->end(),
            [](const Secret* a, const Secret* b) { return a->id < b->id; });
        if (!f->imports.empty())
          stack.push_back({f->imports, fr.depth + 1, bucket});
      }
      if (first_level) {
        processed.push_back({ImportEntry{batch[i], imported[i], {}}, bucket});
      } else if (fr.parent) {
        fr.parent->insert(fr.parent->end(), bucket->begin(), bucket->end());
      }
    }
  }
  std::vector<ImportEntry> out;
  for (auto& [entry, bucket] : processed) {
    entry.secrets = *bucket;
    out.push_back(std::move(entry));
  }
  return out;
}

// The `imports` array of the list endpoint. The list endpoint always passes
// its expander to fnSecretsV2FromImports, so imported values are expanded
// (relative to the import's env and path) and only the first secret of each
// key is kept, whatever `expandSecretReferences` says.
Json VaultModel::ImportsJson(const Project& p,
                             const std::vector<ImportEntry>& entries,
                             bool view_value) const {
  Json arr = Json::array();
  for (const auto& e : entries) {
    Json j;
    j["secretPath"] = e.imp.secret_path;
    j["environment"] = e.imp.environment;
    if (e.folder) j["folderId"] = e.folder->id;
    j["secrets"] = Json::array();
    std::set<std::string> keys;
    for (const Secret* s : e.secrets) {
      if (!keys.insert(s->key).second) continue;
      std::string value = kHiddenMask;
      if (view_value)
        value = ExpandReferences(p, e.imp.environment, e.imp.secret_path,
                                 s->key, s->value, s->skip_multiline_encoding);
      Json sj = RawSecretCore(*s, "", e.imp.environment, value, false);
      sj["secretValueHidden"] = !view_value;
      sj["secretMetadata"] = Json::array();
      j["secrets"].push_back(std::move(sj));
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

std::expected<Json, ApiError> VaultModel::Get(const Project& p,
                                              const GetQuery& q) const {
  const std::string path = NormalizePath(q.secret_path);
  const Folder* f = FindFolder(p, q.environment, path);
  if (!f)
    return std::unexpected(NotFound("Folder with path '" + path +
                                        "' in environment with slug '" +
                                        q.environment + "' not found",
                                    "GetSecretByName"));
  auto render = [&](const Secret& s, const std::string& env,
                    const std::string& spath, const std::string& value) {
    Json j = RawSecretCore(s, p.id, env,
                           q.view_secret_value ? value : kHiddenMask, true);
    j["secretValueHidden"] = !q.view_secret_value;
    j["secretPath"] = spath;
    j["tags"] = TagsJson(s.tags);
    j["secretMetadata"] = Json::array();
    return Json{{"secret", std::move(j)}};
  };
  const Secret* found = nullptr;
  if (q.type == "shared")
    for (const auto& s : f->secrets)
      if (s.key == q.secret_name && (!q.version || *q.version == s.version))
        found = &s;
  if (!found && q.include_imports) {
    // Imports are searched last to first, each in order; the value is
    // expanded relative to the import when asked to.
    auto entries = CollectImports(p, {f});
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      for (const Secret* s : it->secrets) {
        if (s->key != q.secret_name) continue;
        std::string value = s->value;
        if (q.expand && q.view_secret_value)
          value = ExpandReferences(p, it->imp.environment, it->imp.secret_path,
                                   s->key, value, s->skip_multiline_encoding);
        return render(*s, it->imp.environment, it->imp.secret_path, value);
      }
    }
  }
  if (!found)
    return std::unexpected(
        NotFound("Secret with name '" + q.secret_name + "' not found"));
  std::string value = found->value;
  if (q.expand && q.view_secret_value)
    value = ExpandReferences(p, q.environment, path, found->key, value,
                             found->skip_multiline_encoding);
  return render(*found, q.environment, path, value);
}

std::expected<void, std::string> VaultModel::UpsertSecret(
    const std::string& project, const std::string& environment,
    const std::string& path, const std::string& key, const std::string& value,
    const std::optional<std::string>& comment, const std::string& now_iso) {
  for (auto& p : seed_.projects) {
    if (p.id != project && p.slug != project) continue;
    auto e = p.environments.find(environment);
    if (e == p.environments.end())
      return std::unexpected("no environment " + environment + " in " +
                             project);
    const std::string np = NormalizePath(path);
    Folder& f = EnsureFolder(e->second, p.id, np);
    for (auto& s : f.secrets) {
      if (s.key != key) continue;
      s.value = value;
      if (comment) s.comment = *comment;
      ++s.version;
      s.updated_at = now_iso;
      return {};
    }
    auto s = ParseSecret(p.id + "|" + environment + "|" + np, key, Json(value));
    s->comment = comment.value_or("");
    s->created_at = s->updated_at = now_iso;
    f.secrets.push_back(std::move(*s));
    return {};
  }
  return std::unexpected("no project " + project);
}

std::expected<bool, std::string> VaultModel::DeleteSecret(
    const std::string& project, const std::string& environment,
    const std::string& path, const std::string& key) {
  for (auto& p : seed_.projects) {
    if (p.id != project && p.slug != project) continue;
    auto e = p.environments.find(environment);
    if (e == p.environments.end())
      return std::unexpected("no environment " + environment + " in " +
                             project);
    auto f = e->second.folders.find(NormalizePath(path));
    if (f == e->second.folders.end()) return false;
    return std::erase_if(f->second.secrets,
                         [&](const Secret& s) { return s.key == key; }) > 0;
  }
  return std::unexpected("no project " + project);
}

}  // namespace sealsync::infisical_double
