// sealctl migrate bitnami: Bitnami SealedSecret files rewritten as sealsync
// ones (docs/migrating.md). Every value is re-sealed to sealsync's recipients
// with the object's scope; names, annotations and template stay. Offline with
// the Bitnami controller's key (--bitnami-key), or through the operator's
// /v1/rewrap with the keys imported there. Values are never printed; with
// --in-place each file is replaced whole or not at all.
#include <iostream>

#include "lib/api/manifest.h"
#include "sealctl/bitnami_keys.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/io.h"
#include "sealctl/key_files.h"
#include "sealctl/secret_checks.h"
#include "sealsync/api.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::sealctl {
namespace {

struct Keys {
  std::vector<bitnami::PrivateKey> bitnami;  // empty: through the operator
  std::vector<X25519Recipient> recipients;
};

// One SealedSecret (JSON text) migrated, or an error naming `where`.
Result<api::SealedSecret> MigrateOne(const MigrateOptions& opts,
                                     const Keys& keys, const std::string& text,
                                     const std::string& where) {
  auto obj = api::ParseSealedSecret(text);
  if (!obj) return std::unexpected(obj.error().Wrap(where));
  if (!keys.bitnami.empty()) {
    auto out =
        sealed::Rewrap(*obj, {}, keys.recipients, SystemRandom(), keys.bitnami);
    if (!out) return std::unexpected(out.error().Wrap(where));
    return out;
  }
  auto answer = PostToOperator(opts.cluster, "/v1/rewrap", text);
  if (!answer) {
    return std::unexpected(answer.error().Wrap(
        where + ": cannot reach the operator (offline: --bitnami-key FILE)"));
  }
  if (answer->status != 200) {
    auto v = api::ParseManifest(answer->body);
    std::string why = v && v->is_object() ? v->value("message", "") : "";
    return MakeError(ErrorCode::kFailedPrecondition,
                     where + ": the operator could not rewrap it (HTTP " +
                         std::to_string(answer->status) + ")" +
                         (why.empty() ? "" : ": " + why));
  }
  auto out = api::ParseSealedSecret(answer->body);
  if (!out || out->metadata.name != obj->metadata.name)
    return MakeError(ErrorCode::kInternal,
                     where +
                         ": the operator's answer is not the same "
                         "SealedSecret");
  return out;
}

}  // namespace

int MigrateBitnami(const MigrateOptions& opts, Streams io) {
  if (opts.files.empty())
    return Fail(io.err, "no input: pass -f FILE (repeatable)");
  if (opts.in_place) {
    for (const auto& f : opts.files)
      if (f == "-") return Fail(io.err, "--in-place needs files, not stdin");
  }
  Keys keys;
  for (const std::string& f : opts.bitnami_key_files) {
    auto k = ReadBitnamiKeys(f, io.in);
    if (!k) return Fail(io.err, k.error());
    keys.bitnami.insert(keys.bitnami.end(), k->begin(), k->end());
  }
  if (!keys.bitnami.empty()) {
    Result<std::vector<X25519Recipient>> r = std::vector<X25519Recipient>{};
    if (!opts.recipients.empty() || !opts.recipients_files.empty()) {
      r = RecipientsFromFlags(opts.recipients, opts.recipients_files, io.in);
    } else if (auto newest = FetchNewestRecipient(opts.cluster)) {
      r->push_back(*newest);
    } else {
      r = std::unexpected(newest.error());
    }
    if (!r) {
      return FailWithHints(
          io.err, r.error().Wrap("no recipients to seal to"),
          {"pass --recipients-file FILE or --recipient age1..., or reach the "
           "cluster"});
    }
    keys.recipients = std::move(*r);
  }
  // Everything is migrated in memory first: a failure writes nothing.
  std::vector<std::pair<std::string, std::string>> results;  // path, text
  for (const std::string& path : opts.files) {
    auto text = ReadInput(path, io.in);
    if (!text) return Fail(io.err, text.error());
    const std::string name = path == "-" ? "stdin" : path;
    auto docs = api::ParseManifests(*text);
    if (!docs) return Fail(io.err, docs.error().Wrap(name));
    std::string out;
    int n = 0;
    for (size_t i = 0; i < docs->size(); ++i) {
      const api::Json& doc = (*docs)[i];
      std::string where =
          name +
          (docs->size() > 1 ? " (document " + std::to_string(i + 1) + ")" : "");
      if (doc.value("kind", "") != "SealedSecret")
        return Fail(io.err, where + ": kind: want SealedSecret");
      auto migrated = MigrateOne(opts, keys, doc.dump(), where);
      if (!migrated) return Fail(io.err, migrated.error());
      if (auto ok = CheckUtf8(*migrated); !ok) return Fail(io.err, ok.error());
      out += (n++ > 0 ? "---\n" : "") +
             api::FormatSealedSecret(*migrated, api::OutputFormat::kYaml);
    }
    if (n == 0) return Fail(io.err, name + ": no SealedSecret");
    results.emplace_back(path, std::move(out));
    io.err << "migrated " << name << ": " << n << " SealedSecret"
           << (n == 1 ? "" : "s") << "\n";
  }
  for (const auto& [path, text] : results) {
    if (opts.in_place) {
      auto w = WriteFileAtomically(path, text, 0644, /*replace=*/true);
      if (!w) return Fail(io.err, w.error());
    } else {
      if (&path != &results.front().first) io.out << "---\n";
      io.out << text;
    }
  }
  return 0;
}

}  // namespace sealsync::sealctl
