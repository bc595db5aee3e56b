// LoadKubeconfig and InClusterConfig: kubectl's loading rules (client-go
// tools/clientcmd) reduced to what a RestConfig carries.
//
// Merging: files are read in order; the first file to define a cluster, user
// or context name wins the whole entry (entries are never merged field by
// field), and the first non-empty current-context wins. Only the selected
// context, its cluster and its user are validated, so a broken entry that is
// not used does not stop anything. Relative paths inside an entry are
// resolved against the directory of the file that defined the entry.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "lib/base/base64.h"
#include "sealsync/kube.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::kube {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExecApiVersions[] = {
    "client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"};

ErrorCode CodeForErrno(int e) {
  switch (e) {
    case ENOENT:
    case ENOTDIR:
      return ErrorCode::kNotFound;
    case EACCES:
    case EPERM:
      return ErrorCode::kPermissionDenied;
    case EISDIR:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kUnavailable;
  }
}

std::unexpected<Error> ErrnoError(int e, const std::string& path) {
  return MakeError(CodeForErrno(e),
                   "could not read " + path + ": " + std::strerror(e));
}

// Reads a whole file. Errors: "could not read <path>: <strerror>", with the
// code from errno (kNotFound, kPermissionDenied, ...).
Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, path);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ErrnoError(EISDIR, path);
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return ErrnoError(e, path);
    }
    if (n == 0) break;
    text.append(buf, n);
  }
  ::close(fd);
  return text;
}

// Checks that `path` is readable without reading it (token files are
// re-read by the transport).
Result<void> CheckReadable(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) return ErrnoError(errno, path);
  return {};
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  return (ec ? fs::path(path) : abs).lexically_normal().string();
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// A cluster, user or context entry and the file that defined it.
struct Entry {
  YAML::Node body;  // the inner "cluster"/"user"/"context" mapping, or null
  std::string file;
};

using Entries = std::map<std::string, Entry, std::less<>>;

struct Kubeconfig {
  std::vector<std::string> files;  // read, in order
  Entries clusters, users, contexts;
  std::string current_context;
};

// A mapping in a kubeconfig file: the file and the dotted path to it
// ("users[dev].user"). Reads typed fields; errors name file and field and
// never the value.
struct Where {
  std::string file;
  std::string path;

  std::string Field(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  std::unexpected<Error> Err(ErrorCode code, std::string_view key,
                             std::string_view what) const {
    return MakeError(code, "kubeconfig " + file + ": " + Field(key) + ": " +
                               std::string(what));
  }
  std::unexpected<Error> Wrap(std::string_view key, const Error& cause) const {
    return std::unexpected(
        cause.Wrap("kubeconfig " + file + ": " + Field(key)));
  }

  // Absent or null: "".
  Result<std::string> String(const YAML::Node& map, const char* key) const {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return "";
    if (!v.IsScalar()) {
      return Err(ErrorCode::kInvalidArgument, key, "must be a string");
    }
    return v.Scalar();
  }

  Result<bool> Bool(const YAML::Node& map, const char* key) const {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return false;
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
      return Err(ErrorCode::kInvalidArgument, key, "must be true or false");
    }
    return b;
  }

  // A path relative to the directory of `file`.
  std::string Resolve(const std::string& p) const {
    if (p.empty()) return p;
    // operator/ keeps an absolute `p` as is.
    return (fs::path(file).parent_path() / p).lexically_normal().string();
  }

  // A PEM value given either as a file path (`file_key`) or as base64
  // (`data_key`); "" if neither is set.
  Result<std::string> Pem(const YAML::Node& map, const char* file_key,
                          const char* data_key) const {
    auto path = String(map, file_key);
    if (!path) return std::unexpected(path.error());
    auto data = String(map, data_key);
    if (!data) return std::unexpected(data.error());
    if (!path->empty() && !data->empty()) {
      return Err(ErrorCode::kInvalidArgument, data_key,
                 std::string("set together with ") + file_key + "; set one");
    }
    std::string pem;
    const char* key = data_key;
    if (!data->empty()) {
      std::string compact = *data;
      std::erase_if(compact, [](char c) {
        return std::isspace(static_cast<unsigned char>(c));
      });
      std::optional<Bytes> raw = Base64Decode(compact);
      if (!raw)
        return Err(ErrorCode::kInvalidArgument, key, "not valid base64");
      pem.assign(AsString(*raw));
      SecureWipe(raw->data(), raw->size());
    } else if (!path->empty()) {
      key = file_key;
      auto text = ReadFile(Resolve(*path));
      if (!text) return Wrap(key, text.error());
      pem = std::move(*text);
    } else {
      return "";
    }
    if (pem.find("-----BEGIN ") == std::string::npos) {
      return Err(ErrorCode::kInvalidArgument, key,
                 "does not contain a PEM block");
    }
    return pem;
  }
};

std::unexpected<Error> MalformedFile(const std::string& file,
                                     std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   "kubeconfig " + file + ": " + std::string(what));
}

// Adds the named entries of one list ("clusters", item key "cluster") to
// `dst`, keeping entries already there.
Result<void> AddEntries(const YAML::Node& root, const std::string& file,
                        const char* list, const char* item_key, Entries& dst) {
  const YAML::Node items = root[list];
  if (!items.IsDefined() || items.IsNull()) return {};
  if (!items.IsSequence())
    return MalformedFile(file, std::string(list) + ": must be a list");
  std::set<std::string> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    Where at{file, std::string(list) + "[" + std::to_string(i) + "]"};
    const YAML::Node item = items[i];
    if (!item.IsMap())
      return MalformedFile(file, at.path + ": must be a mapping");
    auto name = at.String(item, "name");
    if (!name) return std::unexpected(name.error());
    if (name->empty())
      return at.Err(ErrorCode::kInvalidArgument, "name", "missing");
    if (!seen.insert(*name).second) {
      return MalformedFile(file,
                           at.path + ": duplicate name \"" + *name + "\"");
    }
    const YAML::Node body = item[item_key];
    const bool absent = !body.IsDefined() || body.IsNull();
    if (!absent && !body.IsMap()) {
      return MalformedFile(file, std::string(list) + "[" + *name + "]." +
                                     item_key + ": must be a mapping");
    }
    // (Assigning to a yaml-cpp Node writes through it, so no reassignment.)
    dst.try_emplace(
        *name, Entry{absent ? YAML::Node(YAML::NodeType::Map) : body, file});
  }
  return {};
}

Result<void> AddFile(const std::string& file, Kubeconfig& kc) {
  auto text = ReadFile(file);
  if (!text) return std::unexpected(text.error().Wrap("kubeconfig"));
  try {
    YAML::Node root = YAML::Load(*text);
    kc.files.push_back(file);
    if (!root.IsDefined() || root.IsNull()) return {};  // empty file
    if (!root.IsMap()) return MalformedFile(file, "not a YAML mapping");
    for (auto [list, item, dst] :
         {std::tuple{"clusters", "cluster", &kc.clusters},
          std::tuple{"users", "user", &kc.users},
          std::tuple{"contexts", "context", &kc.contexts}}) {
      auto added = AddEntries(root, file, list, item, *dst);
      if (!added) return added;
    }
    auto current = Where{file, ""}.String(root, "current-context");
    if (!current) return std::unexpected(current.error());
    if (kc.current_context.empty()) kc.current_context = *current;
    return {};
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return MalformedFile(file, "malformed YAML");
    return MalformedFile(
        file, "malformed YAML at line " + std::to_string(e.mark.line + 1) +
                  ", column " + std::to_string(e.mark.column + 1));
  }
}

Result<std::string> NormalizeServer(const Where& w, std::string server) {
  size_t scheme_end = server.find("://");
  if (scheme_end == std::string::npos) {
    server = "https://" + server;  // kubectl's default for a bare host:port
  } else {
    std::string scheme = server.substr(0, scheme_end);
    std::ranges::transform(scheme, scheme.begin(), [](unsigned char c) {
      return static_cast<char>(std::tolower(c));
    });
    if (scheme != "https" && scheme != "http") {
      return w.Err(ErrorCode::kInvalidArgument, "server",
                   "scheme must be https or http");
    }
  }
  size_t host = server.find("://") + 3;
  while (server.size() > host && server.back() == '/') server.pop_back();
  if (server.size() == host) {
    return w.Err(ErrorCode::kInvalidArgument, "server", "has no host");
  }
  return server;
}

Result<void> ApplyCluster(const Entry& e, const std::string& name,
                          RestConfig& cfg) {
  Where w{e.file, "clusters[" + name + "].cluster"};
  auto server = w.String(e.body, "server");
  if (!server) return std::unexpected(server.error());
  if (server->empty())
    return w.Err(ErrorCode::kInvalidArgument, "server", "missing");
  auto normalized = NormalizeServer(w, *server);
  if (!normalized) return std::unexpected(normalized.error());
  auto insecure = w.Bool(e.body, "insecure-skip-tls-verify");
  if (!insecure) return std::unexpected(insecure.error());
  auto ca =
      w.Pem(e.body, "certificate-authority", "certificate-authority-data");
  if (!ca) return std::unexpected(ca.error());
  if (*insecure && !ca->empty()) {
    return w.Err(ErrorCode::kInvalidArgument, "insecure-skip-tls-verify",
                 "set together with a certificate authority; set one");
  }
  cfg.server = std::move(*normalized);
  cfg.insecure_skip_tls_verify = *insecure;
  cfg.ca_pem = std::move(*ca);
  return {};
}

Result<std::optional<ExecConfig>> ParseExec(const Where& user,
                                            const YAML::Node& body) {
  const YAML::Node ex = body["exec"];
  if (!ex.IsDefined() || ex.IsNull()) return std::nullopt;
  if (!ex.IsMap()) {
    return user.Err(ErrorCode::kInvalidArgument, "exec", "must be a mapping");
  }
  Where w{user.file, user.Field("exec")};
  ExecConfig exec;
  auto command = w.String(ex, "command");
  if (!command) return std::unexpected(command.error());
  if (command->empty())
    return w.Err(ErrorCode::kInvalidArgument, "command", "missing");
  // A relative path is relative to the kubeconfig; a bare name is for PATH.
  exec.command =
      command->find('/') == std::string::npos ? *command : w.Resolve(*command);
  auto version = w.String(ex, "apiVersion");
  if (!version) return std::unexpected(version.error());
  if (version->empty()) {
    return w.Err(ErrorCode::kInvalidArgument, "apiVersion", "missing");
  }
  if (std::ranges::find(kExecApiVersions, *version) ==
      std::end(kExecApiVersions)) {
    return w.Err(ErrorCode::kInvalidArgument, "apiVersion",
                 "\"" + *version + "\" is not supported (use " +
                     std::string(kExecApiVersions[0]) + ")");
  }
  exec.api_version = *version;
  const YAML::Node args = ex["args"];
  if (args.IsDefined() && !args.IsNull()) {
    if (!args.IsSequence())
      return w.Err(ErrorCode::kInvalidArgument, "args", "must be a list");
    for (size_t i = 0; i < args.size(); ++i) {
      if (!args[i].IsScalar()) {
        return w.Err(ErrorCode::kInvalidArgument,
                     "args[" + std::to_string(i) + "]", "must be a string");
      }
      exec.args.push_back(args[i].Scalar());
    }
  }
  const YAML::Node env = ex["env"];
  if (env.IsDefined() && !env.IsNull()) {
    if (!env.IsSequence())
      return w.Err(ErrorCode::kInvalidArgument, "env", "must be a list");
    for (size_t i = 0; i < env.size(); ++i) {
      Where at{w.file, w.Field("env[" + std::to_string(i) + "]")};
      if (!env[i].IsMap())
        return MalformedFile(w.file, at.path + ": must be a mapping");
      auto name = at.String(env[i], "name");
      if (!name) return std::unexpected(name.error());
      if (name->empty() || name->find('=') != std::string::npos) {
        return at.Err(ErrorCode::kInvalidArgument, "name",
                      "missing or contains '='");
      }
      auto value = at.String(env[i], "value");
      if (!value) return std::unexpected(value.error());
      exec.env.emplace_back(*name, *value);
    }
  }
  auto mode = w.String(ex, "interactiveMode");
  if (!mode) return std::unexpected(mode.error());
  if (*mode == "Always") {
    return w.Err(
        ErrorCode::kFailedPrecondition, "interactiveMode",
        "Always is not supported: sealsync runs plugins without a terminal");
  }
  return exec;
}

Result<void> ApplyUser(const Entry& e, const std::string& name,
                       RestConfig& cfg) {
  Where w{e.file, "users[" + name + "].user"};
  if (e.body["auth-provider"].IsDefined()) {
    return w.Err(ErrorCode::kUnimplemented, "auth-provider",
                 "not supported (removed from kubectl); use exec");
  }
  if (e.body["username"].IsDefined() || e.body["password"].IsDefined()) {
    return w.Err(ErrorCode::kUnimplemented, "username",
                 "basic auth is not supported by Kubernetes since 1.19");
  }
  auto cert = w.Pem(e.body, "client-certificate", "client-certificate-data");
  if (!cert) return std::unexpected(cert.error());
  auto key = w.Pem(e.body, "client-key", "client-key-data");
  if (!key) return std::unexpected(key.error());
  if (cert->empty() != key->empty()) {
    return cert->empty()
               ? w.Err(ErrorCode::kInvalidArgument, "client-certificate",
                       "missing (client-key is set)")
               : w.Err(ErrorCode::kInvalidArgument, "client-key",
                       "missing (client-certificate is set)");
  }
  auto token = w.String(e.body, "token");
  if (!token) return std::unexpected(token.error());
  auto token_file = w.String(e.body, "tokenFile");
  if (!token_file) return std::unexpected(token_file.error());
  std::string token_path = w.Resolve(*token_file);
  if (!token_path.empty()) {
    if (auto ok = CheckReadable(token_path); !ok)
      return w.Wrap("tokenFile", ok.error());
  }
  auto exec = ParseExec(w, e.body);
  if (!exec) return std::unexpected(exec.error());
  cfg.client_cert_pem = std::move(*cert);
  cfg.client_key_pem = std::move(*key);
  cfg.bearer_token = std::move(*token);
  cfg.token_file = std::move(token_path);
  cfg.exec = std::move(*exec);
  return {};
}

Result<RestConfig> Resolve(const Kubeconfig& kc, std::string_view override) {
  const std::string sources = "kubeconfig " + Join(kc.files, ":");
  const std::string name =
      override.empty() ? kc.current_context : std::string(override);
  if (name.empty()) {
    return MakeError(
        ErrorCode::kNotFound,
        sources + ": current-context is not set and no context was given");
  }
  auto ctx = kc.contexts.find(name);
  if (ctx == kc.contexts.end()) {
    return MakeError(ErrorCode::kNotFound,
                     sources + ": context \"" + name + "\" not found" +
                         (override.empty() ? " (current-context)" : ""));
  }
  const Entry& c = ctx->second;
  Where w{c.file, "contexts[" + name + "].context"};
  auto cluster = w.String(c.body, "cluster");
  if (!cluster) return std::unexpected(cluster.error());
  auto user = w.String(c.body, "user");
  if (!user) return std::unexpected(user.error());
  auto ns = w.String(c.body, "namespace");
  if (!ns) return std::unexpected(ns.error());
  if (cluster->empty())
    return w.Err(ErrorCode::kInvalidArgument, "cluster", "missing");

  RestConfig cfg;
  cfg.ns = *ns;
  auto cl = kc.clusters.find(*cluster);
  if (cl == kc.clusters.end()) {
    return w.Err(ErrorCode::kInvalidArgument, "cluster",
                 "cluster \"" + *cluster + "\" is not defined");
  }
  if (auto ok = ApplyCluster(cl->second, *cluster, cfg); !ok) {
    return std::unexpected(ok.error());
  }
  if (!user->empty()) {  // no user: anonymous
    auto u = kc.users.find(*user);
    if (u == kc.users.end()) {
      return w.Err(ErrorCode::kInvalidArgument, "user",
                   "user \"" + *user + "\" is not defined");
    }
    if (auto ok = ApplyUser(u->second, *user, cfg); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return cfg;
}

std::string HomeDir() {
  if (const char* home = std::getenv("HOME");
      home != nullptr && *home != '\0') {
    return home;
  }
  struct passwd pw, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::getuid(), &pw, buf, sizeof(buf), &found) == 0 && found) {
    return found->pw_dir;
  }
  return "";
}

bool Exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

}  // namespace

Result<RestConfig> LoadKubeconfig(const KubeconfigOptions& opts) {
  Kubeconfig kc;
  if (!opts.path.empty()) {
    if (auto ok = AddFile(Absolute(opts.path), kc); !ok) {
      return std::unexpected(ok.error());
    }
  } else if (const char* list = std::getenv("KUBECONFIG");
             list != nullptr && *list != '\0') {
    std::set<std::string> seen;
    std::string_view rest(list);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      std::string piece(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
      if (piece.empty()) continue;
      std::string file = Absolute(piece);
      if (!seen.insert(file).second || !Exists(file))
        continue;  // kubectl skips
      if (auto ok = AddFile(file, kc); !ok) return std::unexpected(ok.error());
    }
    if (kc.files.empty()) {
      return MakeError(
          ErrorCode::kNotFound,
          std::string(
              "no kubeconfig: none of the files in $KUBECONFIG exist (") +
              list + ")");
    }
  } else {
    std::string home = HomeDir();
    if (home.empty()) {
      return MakeError(
          ErrorCode::kNotFound,
          "no kubeconfig: $HOME is not set and $KUBECONFIG is empty");
    }
    std::string file = (fs::path(home) / ".kube" / "config").string();
    if (!Exists(file)) {
      return MakeError(ErrorCode::kNotFound,
                       "no kubeconfig: " + file +
                           " does not exist and $KUBECONFIG is empty");
    }
    if (auto ok = AddFile(file, kc); !ok) return std::unexpected(ok.error());
  }
  try {
    return Resolve(kc, opts.context);
  } catch (const YAML::Exception&) {  // not expected: every access is checked
    return MakeError(ErrorCode::kInvalidArgument,
                     "kubeconfig " + Join(kc.files, ":") + ": malformed");
  }
}

Result<RestConfig> InClusterConfig(std::string_view root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return MakeError(ErrorCode::kNotFound,
                     "not running in a cluster: KUBERNETES_SERVICE_HOST and "
                     "KUBERNETES_SERVICE_PORT are not set");
  }
  std::string_view port_sv(port);
  if (!std::ranges::all_of(port_sv,
                           [](char c) { return c >= '0' && c <= '9'; })) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "in-cluster config: KUBERNETES_SERVICE_PORT is not a port number");
  }
  std::string h(host);
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";

  RestConfig cfg;
  cfg.server = "https://" + h + ":" + std::string(port_sv);
  const fs::path dir(root);
  cfg.token_file = (dir / "token").string();
  if (auto ok = CheckReadable(cfg.token_file); !ok) {
    return std::unexpected(
        ok.error().Wrap("in-cluster config: service account token"));
  }
  auto ca = ReadFile((dir / "ca.crt").string());
  if (!ca)
    return std::unexpected(ca.error().Wrap("in-cluster config: cluster CA"));
  if (ca->find("-----BEGIN ") == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "in-cluster config: " + (dir / "ca.crt").string() +
                         ": does not contain a PEM block");
  }
  cfg.ca_pem = std::move(*ca);
  auto ns = ReadFile((dir / "namespace").string());
  if (ns) {
    auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
    auto first = std::ranges::find_if_not(*ns, is_space);
    auto last = std::find_if_not(ns->rbegin(), ns->rend(), is_space).base();
    cfg.ns = first < last ? std::string(first, last) : "";
  } else if (ns.error().code() != ErrorCode::kNotFound) {
    return std::unexpected(ns.error().Wrap("in-cluster config: namespace"));
  }
  return cfg;
}

}  // namespace sealsync::kube
