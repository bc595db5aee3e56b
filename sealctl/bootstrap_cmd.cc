// sealctl bootstrap: hands a CD pipeline's one bootstrap credential, an
// Infisical machine identity (Universal Auth client id and client secret, read
// from environment variables), to the cluster as an Opaque Secret that a
// SecretStore's spec.provider.infisical.auth.universalAuthCredentials refers
// to. Server-side apply (field manager "sealctl-bootstrap", force), so a
// re-run is a no-op.
//
// The two values never leave this process except in the apply request to the
// API server: they are not printed, not put in error messages (cluster errors
// are scrubbed of them, raw and base64, in case a server echoes a request),
// and not written to any file. Only variable names and data keys are shown.
#include <stdlib.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "lib/base/base64.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/io.h"
#include "sealsync/kube.h"
#include "sealsync/names.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::sealctl {
namespace {

using Json = nlohmann::json;

// A DNS-1123 subdomain (Secret names): dot-separated labels, <= 253.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                      : dot - start);
    if (!IsDnsLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// A Secret data key: [-._a-zA-Z0-9]+, at most 253, not "." or "..".
bool IsDataKey(std::string_view s) {
  if (s.empty() || s.size() > 253 || s == "." || s == "..") return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return false;
  }
  return true;
}

bool IsEnvName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return !(s.front() >= '0' && s.front() <= '9');
}

// The flags, checked before anything is read. "" when they are fine.
std::string CheckFlags(const BootstrapOptions& o) {
  if (!IsDnsLabel(o.ns))
    return "--namespace \"" + o.ns + "\" is not a namespace name";
  if (!IsDnsSubdomain(o.name))
    return "--name \"" + o.name + "\" is not a Secret name";
  for (const auto& [flag, key] :
       {std::pair{"--client-id-key", &o.client_id_key},
        {"--client-secret-key", &o.client_secret_key}}) {
    if (!IsDataKey(*key)) {
      return std::string(flag) + " \"" + *key +
             "\" is not a Secret data key (letters, digits, '-', '_', '.')";
    }
  }
  if (o.client_id_key == o.client_secret_key)
    return "--client-id-key and --client-secret-key must differ";
  for (const auto& [flag, env] :
       {std::pair{"--client-id-env", &o.client_id_env},
        {"--client-secret-env", &o.client_secret_env}}) {
    if (!IsEnvName(*env)) {
      return std::string(flag) + " \"" + *env +
             "\" is not an environment variable name";
    }
  }
  if (o.client_id_env == o.client_secret_env)
    return "--client-id-env and --client-secret-env must differ";
  return "";
}

// The credential, wiped when it goes out of scope. Never printed.
class Credential {
 public:
  Credential() = default;
  Credential(const Credential&) = delete;
  Credential& operator=(const Credential&) = delete;
  ~Credential() {
    for (std::string* s : {&id_, &secret_, &id_b64_, &secret_b64_})
      SecureWipe(s->data(), s->size());
  }

  // Reads both variables; on failure prints the error (the variable's name)
  // and returns false.
  bool Read(const BootstrapOptions& o, std::ostream& err) {
    if (!ReadVar(o.client_id_env, &id_, err, "--client-id-env")) return false;
    if (!ReadVar(o.client_secret_env, &secret_, err, "--client-secret-env"))
      return false;
    id_b64_ = Base64Encode(AsBytes(id_));
    secret_b64_ = Base64Encode(AsBytes(secret_));
    return true;
  }

  const std::string& id_b64() const { return id_b64_; }
  const std::string& secret_b64() const { return secret_b64_; }

  // `message` with every occurrence of the values (raw or base64) replaced.
  std::string Scrub(std::string message) const {
    for (const std::string* v : {&id_, &secret_, &id_b64_, &secret_b64_}) {
      if (v->empty()) continue;
      for (size_t at = message.find(*v); at != std::string::npos;
           at = message.find(*v, at + 10)) {
        message.replace(at, v->size(), "[redacted]");
      }
    }
    return message;
  }

 private:
  static bool ReadVar(const std::string& name, std::string* out,
                      std::ostream& err, std::string_view flag) {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') {
      FailWithHints(err,
                    Error(ErrorCode::kFailedPrecondition,
                          "environment variable " + name + " is not set"),
                    {"export it in the pipeline from its secret store (or "
                     "name another variable with " +
                     std::string(flag) + " NAME)"});
      return false;
    }
    out->assign(v);
    return true;
  }

  std::string id_, secret_, id_b64_, secret_b64_;
};

// Any kubeconfig problem is one the user fixes with flags or files.
Result<std::unique_ptr<kube::Client>> Connect(const ClusterOptions& opts) {
  auto config = LoadConfig(opts);
  if (!config) return std::unexpected(config.error());
  auto client = kube::NewClient(*config);
  if (!client) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "kubeconfig: " + client.error().message());
  }
  return std::move(*client);
}

// Prints a failed API call (`verb` "read" or "write") with advice; returns 1.
int FailCall(std::ostream& err, const Error& e, const Credential& cred,
             const BootstrapOptions& o, std::string_view verb) {
  std::string object = "Secret " + o.ns + "/" + o.name;
  std::string rbac = "get, create and patch on secrets in namespace " + o.ns;
  Error scrubbed(e.code(), cred.Scrub(e.message()));
  switch (e.code()) {
    case ErrorCode::kPermissionDenied:
      return FailWithHints(err,
                           scrubbed.Wrap("not allowed to " + std::string(verb) +
                                         " " + object + " (RBAC)"),
                           {ClusterHint(e, rbac)});
    case ErrorCode::kNotFound:
      return FailWithHints(
          err,
          Error(ErrorCode::kNotFound, "namespace " + o.ns + " does not exist"),
          {"create it first (kubectl create namespace " + o.ns +
           "), or check --namespace and --context"});
    case ErrorCode::kUnauthenticated:
      return FailWithHints(
          err,
          scrubbed.Wrap("the API server rejected the kubeconfig's credentials"),
          {ClusterHint(e, rbac)});
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return FailWithHints(err, scrubbed.Wrap("cannot reach the API server"),
                           {"check --kubeconfig and --context"});
    default:
      return FailWithHints(
          err, scrubbed.Wrap("cannot " + std::string(verb) + " " + object), {});
  }
}

std::string LabelOf(const Json& obj, std::string_view label) {
  const Json* m = obj.contains("metadata") ? &obj["metadata"] : nullptr;
  if (m == nullptr || !m->contains("labels")) return "";
  const Json& l = (*m)["labels"];
  std::string k(label);
  return l.is_object() && l.contains(k) && l[k].is_string()
             ? l[k].get<std::string>()
             : "";
}

std::string StringAt(const Json& obj, std::string_view a, std::string_view b) {
  std::string ka(a), kb(b);
  if (!obj.contains(ka) || !obj[ka].is_object()) return "";
  const Json& o = obj[ka];
  return o.contains(kb) && o[kb].is_string() ? o[kb].get<std::string>() : "";
}

// Whether applying would change nothing in `existing`.
bool AlreadyApplied(const Json& existing, const BootstrapOptions& o,
                    const Credential& cred) {
  return LabelOf(existing, names::kManagedByLabel) ==
             names::kBootstrapManagedBy &&
         StringAt(existing, "data", o.client_id_key) == cred.id_b64() &&
         StringAt(existing, "data", o.client_secret_key) == cred.secret_b64();
}

}  // namespace

int Bootstrap(const BootstrapOptions& opts, Streams io) {
  if (std::string bad = CheckFlags(opts); !bad.empty())
    return Fail(io.err, bad);
  Credential cred;
  if (!cred.Read(opts, io.err)) return 1;

  auto client = Connect(opts.cluster);
  if (!client) {
    return FailWithHints(io.err, client.error(),
                         {ClusterHint(client.error(), "")});
  }
  const std::string object = "Secret " + opts.ns + "/" + opts.name;
  std::string existing_rv;
  auto existing = (*client)->Get(kube::kSecrets, {opts.ns, opts.name});
  if (existing) {
    std::string type = existing->value("type", "");
    if (!type.empty() && type != "Opaque") {
      return FailWithHints(
          io.err,
          Error(ErrorCode::kFailedPrecondition,
                object + " exists with type " + type + ", not Opaque"),
          {"delete it, or pass another --name"});
    }
    std::string owner = LabelOf(*existing, names::kManagedByLabel);
    if (!owner.empty() && owner != names::kBootstrapManagedBy) {
      return FailWithHints(
          io.err,
          Error(ErrorCode::kFailedPrecondition,
                object + " is managed by " + owner + " (label " +
                    std::string(names::kManagedByLabel) +
                    "), not by sealctl "
                    "bootstrap"),
          {"pass another --name; sealctl will not take over a Secret another "
           "tool writes"});
    }
    existing_rv = StringAt(*existing, "metadata", "resourceVersion");
  } else if (existing.error().code() != ErrorCode::kNotFound) {
    return FailCall(io.err, existing.error(), cred, opts, "read");
  }

  std::string keys =
      "(keys: " + opts.client_id_key + ", " + opts.client_secret_key + ")";
  if (opts.dry_run) {
    std::string would = "created";
    if (existing) {
      would = AlreadyApplied(*existing, opts, cred) ? "unchanged" : "updated";
    } else {
      // A Secret in a missing namespace is "not found" too; say which. Users
      // without get on namespaces learn it on the real run.
      auto ns = (*client)->Get(kube::kNamespaces, {"", opts.ns});
      if (!ns && ns.error().code() == ErrorCode::kNotFound)
        return FailCall(io.err, ns.error(), cred, opts, "read");
    }
    io.out << "dry run: secret " << opts.ns << "/" << opts.name << " would be "
           << would << " " << keys << "\n";
    return 0;
  }

  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata",
                  {{"name", opts.name},
                   {"namespace", opts.ns},
                   {"labels",
                    {{std::string(names::kManagedByLabel),
                      std::string(names::kBootstrapManagedBy)}}}}},
                 {"type", "Opaque"},
                 {"data",
                  {{opts.client_id_key, cred.id_b64()},
                   {opts.client_secret_key, cred.secret_b64()}}}};
  auto applied = (*client)->Apply(
      kube::kSecrets, secret,
      {std::string(names::kBootstrapFieldManager), /*force=*/true});
  for (auto& [k, v] : secret["data"].items()) {
    auto& s = v.get_ref<std::string&>();
    SecureWipe(s.data(), s.size());
  }
  if (!applied) return FailCall(io.err, applied.error(), cred, opts, "write");
  std::string rv = StringAt(*applied, "metadata", "resourceVersion");
  std::string what = !existing           ? "created"
                     : rv == existing_rv ? "unchanged"
                                         : "updated";
  io.out << "secret " << opts.ns << "/" << opts.name << " " << what << " "
         << keys << "\n";
  return 0;
}

}  // namespace sealsync::sealctl
