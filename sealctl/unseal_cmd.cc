// sealctl unseal: disaster recovery and inspection. Enforces scope exactly as
// the operator does; never prints anything on stdout when it fails.
#include <functional>
#include <iostream>
#include <memory>

#include "lib/api/manifest.h"
#include "lib/base/base64.h"
#include "sealctl/bitnami_keys.h"
#include "sealctl/commands.h"
#include "sealctl/documents.h"
#include "sealctl/io.h"
#include "sealctl/key_files.h"
#include "sealctl/secret_checks.h"
#include "sealsync/api.h"
#include "sealsync/sealed_secret.h"
#include "sealsync/sealing.h"

namespace sealsync::sealctl {
namespace {

Result<std::optional<ScopeBinding>> ExpectedFromFlags(
    const UnsealOptions& opts) {
  if (opts.scope.empty() && opts.ns.empty() && opts.name.empty()) {
    return std::nullopt;  // integrity only, no scope check
  }
  auto scope = ParseScope(opts.scope.empty() ? "strict" : opts.scope);
  if (!scope) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--scope must be strict, namespace or cluster");
  }
  ScopeBinding b{*scope, opts.ns, opts.name};
  if (*scope == Scope::kNamespace) b.name.clear();
  if (*scope == Scope::kCluster) b = {Scope::kCluster, "", ""};
  if (*scope != Scope::kCluster && b.ns.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "scope check needs --namespace");
  }
  if (*scope == Scope::kStrict && b.name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "strict scope check needs --name");
  }
  return b;
}

// A raw age file (binary or armored) with X25519 and/or passphrase
// identities, written to `out` only after the whole file verified (every
// chunk's tag, then the scope): plaintext never sits in memory whole.
// `done_with` drops parts of a mapped input once read.
Result<void> UnsealRawAge(ByteView file,
                          const std::vector<X25519Identity>& keys,
                          const Passphrases& passphrases,
                          const std::optional<ScopeBinding>& expect,
                          const std::function<void(ByteView)>& done_with,
                          std::ostream& out) {
  std::vector<const AgeIdentity*> ids;
  for (const auto& k : keys) ids.push_back(&k);
  for (const auto& p : passphrases) ids.push_back(p.get());
  auto verified = AgeVerify(file, ids, done_with);
  if (!verified) return std::unexpected(verified.error());
  auto binding = ScopeOfStanzas(verified->stanzas());
  if (!binding) return std::unexpected(binding.error());
  if (expect) {
    if (auto ok = CheckScope(*binding, *expect); !ok)
      return std::unexpected(ok.error());
  }
  auto written = verified->DecryptTo(
      [&](ByteView part) -> Result<void> {
        out.write(reinterpret_cast<const char*>(part.data()),
                  static_cast<std::streamsize>(part.size()));
        if (!out) return std::unexpected(OutputError(out));
        return {};
      },
      done_with);
  if (!written) return std::unexpected(written.error());
  return {};
}

int UnsealRaw(const UnsealOptions& opts, Streams io) {
  if (opts.identity_files.empty() && opts.passphrase_files.empty()) {
    return Fail(
        io.err,
        "no identities: pass -i IDENTITY_FILE or --passphrase-file FILE");
  }
  auto expect = ExpectedFromFlags(opts);
  if (!expect) return Fail(io.err, expect.error());
  auto passphrases = PassphrasesFromFiles(opts.passphrase_files, io.in);
  if (!passphrases) return Fail(io.err, passphrases.error());
  auto keys = IdentitiesFromFiles(opts.identity_files, *passphrases, io.in);
  if (!keys) return Fail(io.err, keys.error());
  auto input = InputBytes::Open(opts.file, io.in);
  if (!input) return Fail(io.err, input.error());
  std::string_view text = AsString(input->bytes());
  auto done_with = [&input](ByteView part) { input->DoneWith(part); };
  Result<void> written;
  if (text.starts_with("sodium:")) {
    auto v = UnsealValue(text, *keys, *expect);
    if (!v) {
      // Name the same failure classes as for age input.
      const Error& e = v.error();
      if (e.code() == ErrorCode::kNotFound) {
        return Fail(io.err, e.Wrap("no identity matched"));
      }
      if (e.code() == ErrorCode::kDataLoss) {
        return Fail(io.err, e.Wrap("payload corrupt"));
      }
      return Fail(io.err, e);
    }
    io.out.write(reinterpret_cast<const char*>(v->plaintext.data()),
                 static_cast<std::streamsize>(v->plaintext.size()));
  } else if (text.starts_with("age-encryption.org/") ||
             text.find("-----BEGIN AGE ENCRYPTED FILE-----") !=
                 std::string_view::npos) {
    written = UnsealRawAge(AsBytes(text), *keys, *passphrases, *expect,
                           done_with, io.out);
  } else {
    std::string trimmed(text);
    while (!trimmed.empty() &&
           std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.pop_back();
    }
    auto bytes = Base64Decode(trimmed);
    if (!bytes) {
      return Fail(io.err,
                  "input is not an age file (binary or armored), base64 of "
                  "one, nor a sodium: value");
    }
    written =
        UnsealRawAge(*bytes, *keys, *passphrases, *expect, nullptr, io.out);
  }
  if (!written) return Fail(io.err, written.error());
  return 0;
}

}  // namespace

int Unseal(const UnsealOptions& opts, Streams io) {
  if (opts.raw) return UnsealRaw(opts, io);
  if (opts.identity_files.empty() && opts.bitnami_key_files.empty()) {
    return Fail(io.err, "no identities: pass -i IDENTITY_FILE");
  }
  auto passphrases = PassphrasesFromFiles(opts.passphrase_files, io.in);
  if (!passphrases) return Fail(io.err, passphrases.error());
  auto keys = IdentitiesFromFiles(opts.identity_files, *passphrases, io.in);
  if (!keys) return Fail(io.err, keys.error());
  std::vector<bitnami::PrivateKey> bitnami_keys;
  for (const std::string& f : opts.bitnami_key_files) {
    auto k = ReadBitnamiKeys(f, io.in);
    if (!k) return Fail(io.err, k.error());
    bitnami_keys.insert(bitnami_keys.end(), k->begin(), k->end());
  }
  auto text = ReadInput(opts.file, io.in);
  if (!text) return Fail(io.err, text.error());
  // One SealedSecret, a YAML stream of them, or a List: one Secret each.
  auto docs = api::ParseManifests(*text);
  if (!docs) {
    return Fail(io.err, docs.error().Wrap("reading the SealedSecret"));
  }
  bool listed = false;
  std::vector<api::Json> objects = ExpandLists(std::move(*docs), &listed);
  if (objects.empty()) return Fail(io.err, "no SealedSecret in the input");
  const bool json = opts.output_format == "json";
  std::vector<std::string> out;
  for (size_t i = 0; i < objects.size(); ++i) {
    std::string where = listed ? "SealedSecret " + std::to_string(i + 1) +
                                     " of " + std::to_string(objects.size())
                               : std::string("the SealedSecret");
    auto sealed = api::ParseSealedSecret(objects[i].dump());
    if (!sealed) return Fail(io.err, sealed.error().Wrap("reading " + where));
    auto unsealed = sealed::Unseal(*sealed, *keys, bitnami_keys);
    if (!unsealed) return Fail(io.err, unsealed.error());
    const api::Secret& secret = unsealed->secret;
    if (auto ok = CheckUtf8(secret); !ok) return Fail(io.err, ok.error());
    out.push_back(api::FormatSecret(
        secret, json ? api::OutputFormat::kJson : api::OutputFormat::kYaml));
  }
  if (!listed) {
    io.out << out[0];
  } else {
    PrintDocuments(io.out, out, json);
  }
  for (auto& o : out) SecureWipe(o.data(), o.size());
  return 0;
}

}  // namespace sealsync::sealctl
