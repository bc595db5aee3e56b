// sealctl seal: a Secret manifest (or one raw value) -> sealed form.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

#include "lib/api/manifest.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/io.h"
#include "sealctl/key_files.h"
#include "sealctl/secret_checks.h"
#include "sealsync/api.h"
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
  auto write = [&](ByteView b) -> Result<bool> {
    io.out.write(reinterpret_cast<const char*>(b.data()),
                 static_cast<std::streamsize>(b.size()));
    if (!io.out) return std::unexpected(OutputError(io.out));
    return true;
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

  auto text = ReadInput(opts.file, io.in);
  if (!text) return Fail(io.err, text.error());
  // A YAML stream, a List, or one Secret: each becomes one SealedSecret,
  // all sealed with the recipients fetched once above.
  auto docs = api::ParseManifests(*text);
  SecureWipe(text->data(), text->size());
  if (!docs) return Fail(io.err, docs.error().Wrap("reading the Secret"));
  std::vector<api::Json> secrets;
  bool listed = docs->size() != 1;
  for (auto& doc : *docs) {
    if (doc.is_object() && doc.value("kind", "") == "List") {
      listed = true;
      for (auto& item : doc.value("items", api::Json::array()))
        secrets.push_back(std::move(item));
    } else {
      secrets.push_back(std::move(doc));
    }
  }
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
  if (!listed) {
    io.out << api::FormatSealedSecret(sealed[0], out_format);
    return 0;
  }
  if (out_format == api::OutputFormat::kJson) {
    io.out << api::FormatSealedSecretList(sealed);
    return 0;
  }
  for (size_t i = 0; i < sealed.size(); ++i) {
    if (i > 0) io.out << "---\n";
    io.out << api::FormatSealedSecret(sealed[i], out_format);
  }
  return 0;
}

}  // namespace sealsync::sealctl
