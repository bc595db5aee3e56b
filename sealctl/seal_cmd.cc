// sealctl seal: a Secret manifest (or one raw value) -> sealed form.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "lib/api/manifest.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/documents.h"
#include "sealctl/io.h"
#include "sealctl/key_files.h"
#include "sealctl/secret_checks.h"
#include "sealsync/api.h"
#include "sealsync/kube.h"
#include "sealsync/sealing.h"

namespace sealsync::sealctl {
namespace {

// --recipient and --recipients-file; without them, the newest recipient the
// operator publishes in the cluster (the key it unseals with first).
Result<std::vector<X25519Recipient>> LoadRecipients(const SealOptions& opts,
                                                    std::istream& in) {
  if (!opts.recipients.empty() || !opts.recipients_files.empty())
    return RecipientsFromFlags(opts.recipients, opts.recipients_files, in);
  auto newest = FetchNewestRecipient(opts.cluster);
  if (!newest) return std::unexpected(newest.error());
  return std::vector<X25519Recipient>{*newest};
}

int FailRecipients(const SealOptions& opts, const Error& error,
                   std::ostream& err) {
  if (!opts.recipients.empty() || !opts.recipients_files.empty())
    return Fail(err, error);
  return FailWithHints(
      err, error.Wrap("cannot read recipients from the cluster"),
      {ClusterHint(error, "get on configmaps/sealsync-recipients in " +
                              opts.cluster.controller_namespace),
       "to seal offline, pass --recipients-file FILE (saved with 'sealctl "
       "seal --fetch-recipients > FILE') or --recipient age1..."});
}

// --fetch-recipients: the recipients file as the operator publishes it.
int PrintClusterRecipients(const SealOptions& opts, Streams io) {
  auto text = FetchRecipientsFile(opts.cluster);
  if (!text) {
    return FailWithHints(
        io.err, text.error().Wrap("cannot read recipients from the cluster"),
        {ClusterHint(text.error(), "get on configmaps/sealsync-recipients in " +
                                       opts.cluster.controller_namespace)});
  }
  io.out << *text;
  if (!text->empty() && !text->ends_with('\n')) io.out << "\n";
  return 0;
}

ScopeBinding Binding(Scope scope, const std::string& ns,
                     const std::string& name) {
  switch (scope) {
    case Scope::kStrict:
      return {scope, ns, name};
    case Scope::kNamespace:
      return {scope, ns, ""};
    case Scope::kCluster:
      return {scope, "", ""};
  }
  return {};
}

// --raw --binary: streams the input into a binary age file on stdout.
int SealRawBinary(const SealOptions& opts, const ScopeBinding& binding,
                  const std::vector<X25519Recipient>& recipients,
                  SealFormat format, Streams io) {
  if (format != SealFormat::kAge)
    return Fail(io.err, "--binary needs --format age");
  int fd = -1;
  if (!opts.from_file.empty() && opts.from_file != "-") {
    auto opened = OpenForReading(opts.from_file);
    if (!opened) return Fail(io.err, opened.error());
    fd = *opened;
  }
  auto read = [&](std::span<uint8_t> buf) -> Result<size_t> {
    if (fd >= 0) {
      while (true) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) {
          return MakeError(
              ErrorCode::kUnavailable,
              "cannot read " + opts.from_file + ": " + std::strerror(errno));
        }
      }
    }
    io.in.read(reinterpret_cast<char*>(buf.data()),
               static_cast<std::streamsize>(buf.size()));
    if (io.in.bad())
      return MakeError(ErrorCode::kUnavailable, "cannot read stdin");
    return static_cast<size_t>(io.in.gcount());
  };
  auto write = [&](ByteView b) -> Result<void> {
    io.out.write(reinterpret_cast<const char*>(b.data()),
                 static_cast<std::streamsize>(b.size()));
    if (!io.out) return std::unexpected(OutputError(io.out));
    return {};
  };
  auto ok = SealAgeStream(read, write, recipients, binding, SystemRandom());
  if (fd >= 0) ::close(fd);
  if (!ok) return Fail(io.err, ok.error());
  return 0;
}

int SealRaw(const SealOptions& opts, Scope scope,
            const std::vector<X25519Recipient>& recipients, SealFormat format,
            Streams io) {
  if (scope != Scope::kCluster && opts.ns.empty()) {
    return Fail(io.err,
                "--raw with scope strict or namespace needs --namespace");
  }
  if (scope == Scope::kStrict && opts.name.empty()) {
    return Fail(io.err, "--raw with scope strict needs --name");
  }
  ScopeBinding binding = Binding(scope, opts.ns, opts.name);
  if (opts.binary) return SealRawBinary(opts, binding, recipients, format, io);
  auto value = ReadInput(opts.from_file, io.in);
  if (!value) return Fail(io.err, value.error());
  auto sealed =
      SealValue(AsBytes(*value), recipients, binding, format, SystemRandom());
  SecureWipe(value->data(), value->size());
  if (!sealed) return Fail(io.err, sealed.error());
  io.out << *sealed << "\n";
  return 0;
}

// Seals one Secret (JSON text of one document). On failure prints the
// error, naming `where`, and returns nullopt.
std::optional<api::SealedSecret> SealOne(
    const SealOptions& opts, Scope scope, SealFormat format,
    const std::vector<X25519Recipient>& recipients, const std::string& text,
    const std::string& where, Streams io) {
  auto secret = api::ParseSecret(text);
  if (!secret) {
    Fail(io.err, secret.error().Wrap("reading " + where));
    return std::nullopt;
  }
  // Before anything is sealed: what the cluster would refuse later.
  if (auto ok = CheckSecretToSeal(*secret); !ok) {
    Fail(io.err, ok.error().Wrap("cannot seal " + where));
    return std::nullopt;
  }
  api::ObjectMeta& meta = secret->metadata;
  if (!opts.ns.empty() && !meta.ns.empty() && opts.ns != meta.ns) {
    Fail(io.err, where + ": --namespace " + opts.ns +
                     " differs from metadata.namespace " + meta.ns);
    return std::nullopt;
  }
  if (meta.ns.empty()) meta.ns = opts.ns;
  if (meta.ns.empty() && scope != Scope::kCluster) {
    io.err << "sealctl: error: " << where << " has no metadata.namespace\n"
           << "sealctl: hint: add one or pass --namespace NS\n";
    return std::nullopt;
  }
  if (!opts.name.empty() && opts.name != meta.name) {
    Fail(io.err, where + ": --name " + opts.name +
                     " differs from metadata.name " + meta.name);
    return std::nullopt;
  }
  api::SealedSecret sealed;
  sealed.metadata.name = meta.name;
  sealed.metadata.ns = meta.ns;
  sealed.scope = ScopeName(scope);
  sealed.template_.type = secret->type;
  sealed.template_.labels = meta.labels;
  sealed.template_.annotations = meta.annotations;
  sealed.template_.immutable = secret->immutable;
  ScopeBinding binding = Binding(scope, meta.ns, meta.name);
  for (const auto& [key, value] : secret->data) {
    auto v = SealValue(ByteView(value.data(), value.size()), recipients,
                       binding, format, SystemRandom());
    if (!v) {
      Fail(io.err, v.error().Wrap(where + ": data." + key));
      return std::nullopt;
    }
    sealed.encrypted_data[key] = std::move(*v);
  }
  return sealed;
}

// Wipes every string in a parsed document before it is freed.
void SecureWipeJson(api::Json& j) {
  if (j.is_string()) {
    auto& str = j.get_ref<std::string&>();
    SecureWipe(str.data(), str.size());
  } else if (j.is_structured()) {
    for (auto& v : j) SecureWipeJson(v);
  }
}

// The Secrets --from-cluster / --all name, read with the user's own
// credentials, as manifests with the server's fields dropped (and kubectl's
// last-applied annotation, which can hold the values in plaintext).
Result<std::vector<api::Json>> ReadLiveSecrets(const SealOptions& opts) {
  auto rest = LoadConfig(opts.cluster);
  if (!rest) return std::unexpected(rest.error());
  auto client = kube::NewClient(*rest);
  if (!client) return std::unexpected(client.error());
  std::vector<kube::Json> live;
  if (opts.all) {
    if (opts.ns.empty())
      return MakeError(ErrorCode::kInvalidArgument,
                       "--all needs --namespace NS");
    auto list = (*client)->List(kube::kSecrets, opts.ns, {});
    if (!list)
      return std::unexpected(
          list.error().Wrap("listing Secrets in " + opts.ns));
    for (auto& item : list->items) {
      std::string type = item.value("type", "Opaque");
      // Not the user's to seal: tokens the cluster makes, Helm's records.
      if (!api::IsAllowedSecretType(type) || type == "helm.sh/release.v1")
        continue;
      live.push_back(std::move(item));
    }
  }
  for (const std::string& ref : opts.from_cluster) {
    size_t slash = ref.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size())
      return MakeError(ErrorCode::kInvalidArgument,
                       "--from-cluster " + ref + ": want NAMESPACE/NAME");
    auto s = (*client)->Get(kube::kSecrets,
                            {ref.substr(0, slash), ref.substr(slash + 1)});
    if (!s) return std::unexpected(s.error().Wrap("reading Secret " + ref));
    live.push_back(std::move(*s));
  }
  std::vector<api::Json> out;
  for (const auto& s : live) {
    const kube::Json& m = s.value("metadata", kube::Json::object());
    api::Json meta = {{"name", m.value("name", "")},
                      {"namespace", m.value("namespace", "")}};
    if (m.contains("labels")) meta["labels"] = m["labels"];
    if (m.contains("annotations")) {
      api::Json ann = api::Json::object();
      for (const auto& [k, v] : m["annotations"].items()) {
        if (k == "kubectl.kubernetes.io/last-applied-configuration") continue;
        ann[k] = v;
      }
      if (!ann.empty()) meta["annotations"] = ann;
    }
    api::Json doc = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata", meta},
                     {"type", s.value("type", "Opaque")},
                     {"data", s.value("data", kube::Json::object())}};
    if (s.contains("immutable")) doc["immutable"] = s["immutable"];
    out.push_back(std::move(doc));
  }
  if (out.empty())
    return MakeError(ErrorCode::kNotFound, "no Secret to seal in " + opts.ns);
  return out;
}

// --merge-into FILE: the SealedSecret in FILE with `add`'s values added or
// replacing its own; the rest of FILE (name, scope, template) is kept. The
// new values must be bound as FILE's are.
Result<api::SealedSecret> MergeInto(const std::string& path,
                                    const api::SealedSecret& add,
                                    std::istream& in) {
  auto text = ReadInput(path, in);
  if (!text) return std::unexpected(text.error());
  auto into = api::ParseSealedSecret(*text);
  if (!into) return std::unexpected(into.error().Wrap(path));
  if (into->metadata.name != add.metadata.name ||
      into->metadata.ns != add.metadata.ns || into->scope != add.scope) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path + ": is " + into->metadata.ns + "/" +
                         into->metadata.name + " (" + into->scope +
                         "), the Secret is " + add.metadata.ns + "/" +
                         add.metadata.name + " (" + add.scope + ")");
  }
  for (const auto& [k, v] : add.encrypted_data) into->encrypted_data[k] = v;
  return *into;
}

}  // namespace

int Seal(const SealOptions& opts, Streams io) {
  auto scope = ParseScope(opts.scope);
  if (!scope)
    return Fail(io.err, "--scope must be strict, namespace or cluster");
  SealFormat format =
      opts.format == "sodium" ? SealFormat::kSodium : SealFormat::kAge;
  if (opts.fetch_recipients) return PrintClusterRecipients(opts, io);
  auto recipients = LoadRecipients(opts, io.in);
  if (!recipients) return FailRecipients(opts, recipients.error(), io.err);
  if (opts.raw) return SealRaw(opts, *scope, *recipients, format, io);

  Result<std::vector<api::Json>> docs = std::vector<api::Json>{};
  const bool live = !opts.from_cluster.empty() || opts.all;
  if (live) {
    docs = ReadLiveSecrets(opts);
    if (!docs) {
      return FailWithHints(io.err, docs.error(),
                           {ClusterHint(docs.error(), "get/list secrets")});
    }
  } else {
    auto text = ReadInput(opts.file, io.in);
    if (!text) return Fail(io.err, text.error());
    // A YAML stream, a List, or one Secret: each becomes one SealedSecret,
    // all sealed with the recipients fetched once above.
    docs = api::ParseManifests(*text);
    SecureWipe(text->data(), text->size());
    if (!docs) return Fail(io.err, docs.error().Wrap("reading the Secret"));
  }
  bool listed = false;
  std::vector<api::Json> secrets = ExpandLists(std::move(*docs), &listed);
  if (secrets.empty()) return Fail(io.err, "no Secret in the input");
  const api::OutputFormat out_format = opts.output_format == "json"
                                           ? api::OutputFormat::kJson
                                           : api::OutputFormat::kYaml;
  std::vector<api::SealedSecret> sealed;
  for (size_t i = 0; i < secrets.size(); ++i) {
    std::string where = listed ? "Secret " + std::to_string(i + 1) + " of " +
                                     std::to_string(secrets.size())
                               : std::string("the Secret");
    std::string one = secrets[i].dump();
    SecureWipeJson(secrets[i]);
    auto s = SealOne(opts, *scope, format, *recipients, one, where, io);
    SecureWipe(one.data(), one.size());
    if (!s) return 1;  // SealOne printed the error
    sealed.push_back(std::move(*s));
  }
  if (!opts.merge_into.empty()) {
    if (sealed.size() != 1)
      return Fail(io.err, "--merge-into takes exactly one Secret");
    auto merged = MergeInto(opts.merge_into, sealed[0], io.in);
    if (!merged) return Fail(io.err, merged.error());
    auto w = WriteFileAtomically(
        opts.merge_into, api::FormatSealedSecret(*merged, out_format), 0644,
        /*replace=*/true);
    if (!w) return Fail(io.err, w.error());
    return 0;
  }
  if (!opts.out_dir.empty()) {
    for (const auto& s : sealed) {
      std::error_code ec;
      std::filesystem::path dir =
          std::filesystem::path(opts.out_dir) / s.metadata.ns;
      std::filesystem::create_directories(dir, ec);
      if (ec)
        return Fail(io.err,
                    "cannot create " + dir.string() + ": " + ec.message());
      std::string path = (dir / (s.metadata.name + ".sealed.yaml")).string();
      auto w = WriteFileAtomically(
          path, api::FormatSealedSecret(s, api::OutputFormat::kYaml), 0644,
          /*replace=*/true);
      if (!w) return Fail(io.err, w.error());
      io.err << "wrote " << path << "\n";
    }
    return 0;
  }
  if (!listed) {
    io.out << api::FormatSealedSecret(sealed[0], out_format);
    return 0;
  }
  std::vector<std::string> out;
  for (const auto& s : sealed)
    out.push_back(api::FormatSealedSecret(s, out_format));
  PrintDocuments(io.out, out, out_format == api::OutputFormat::kJson);
  return 0;
}

}  // namespace sealsync::sealctl
