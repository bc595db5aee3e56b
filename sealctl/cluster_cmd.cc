// sealctl verify and sealctl reseal: questions for the operator about a
// SealedSecret (operator/api_handlers.h), and reseal's offline mode (-i).
// Neither ever prints a secret value: the operator answers with verdicts and
// ciphertexts only, and offline reseal wipes what it opens.
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lib/api/manifest.h"
#include "sealctl/cluster.h"
#include "sealctl/commands.h"
#include "sealctl/documents.h"
#include "sealctl/io.h"
#include "sealctl/key_files.h"
#include "sealctl/secret_checks.h"
#include "sealsync/api.h"
#include "sealsync/random.h"
#include "sealsync/sealed_secret.h"

namespace sealsync::sealctl {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kProxyRbac =
    "create on services/proxy for the operator's Service";

// The operator's JSON verdict: verify's answer, and rewrap's on failure.
struct Verdict {
  bool ok = false;
  std::string reason;
  std::string message;
  std::vector<std::string> key_ids;
};

std::optional<Verdict> ParseVerdict(std::string_view body) {
  try {
    Json j = Json::parse(body);
    if (!j.is_object() || !j.contains("ok") || !j["ok"].is_boolean())
      return std::nullopt;
    Verdict v;
    v.ok = j["ok"].get<bool>();
    v.reason = j.value("reason", "");
    v.message = j.value("message", "");
    if (j.contains("keyIds") && j["keyIds"].is_array()) {
      for (const auto& k : j["keyIds"])
        if (k.is_string()) v.key_ids.push_back(k.get<std::string>());
    }
    return v;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

// What to do about a SealedSecret the operator (or -i) cannot open.
std::string_view ReasonHint(std::string_view reason) {
  if (reason == sealed::kReasonNoMatchingKey)
    return "none of the keys opens it: seal it again from the Secret";
  if (reason == sealed::kReasonScopeMismatch)
    return "its values are bound to another namespace or name; sealed "
           "values cannot be moved: seal it again for this place";
  if (reason == sealed::kReasonDecryptFailed)
    return "a value is corrupt or was altered: seal it again from the Secret";
  return "";
}

int FailVerdict(std::ostream& err, const Verdict& v) {
  std::string reason = v.reason.empty() ? "Failed" : v.reason;
  return FailWithHints(
      err, Error(ErrorCode::kFailedPrecondition, reason + ": " + v.message),
      {ReasonHint(v.reason)});
}

int FailUnreachable(std::ostream& err, const Error& e,
                    const ClusterOptions& opts, std::string_view offline) {
  std::string_view where =
      opts.controller_url.empty() && e.code() == ErrorCode::kNotFound
          ? "if the operator's Service is not named sealsync, pass "
            "--controller-name NAME"
          : "";
  return FailWithHints(err, e, {ClusterHint(e, kProxyRbac), where, offline});
}

// An answer other than the expected success: the operator's own error JSON,
// rate limiting, or something that is not the operator at all.
int FailAnswer(std::ostream& err, const OperatorAnswer& a,
               std::string_view path) {
  if (a.status == 429) {
    return FailWithHints(
        err,
        Error(ErrorCode::kResourceExhausted,
              "RateLimited: the operator is throttling " + std::string(path)),
        {"retry in a few seconds"});
  }
  if (auto v = ParseVerdict(a.body); v && !v->ok) return FailVerdict(err, *v);
  return FailWithHints(
      err,
      Error(ErrorCode::kUnavailable, "the operator answered HTTP " +
                                         std::to_string(a.status) +
                                         " to POST " + std::string(path)),
      {"check --controller-url (or --controller-namespace and "
       "--controller-name): is it the sealsync operator's API?"});
}

// The SealedSecret in `text`, or a printed error.
std::optional<api::SealedSecret> ReadSealedSecret(const std::string& text,
                                                  std::ostream& err) {
  auto obj = api::ParseSealedSecret(text);
  if (!obj) {
    Fail(err, obj.error().Wrap("reading the SealedSecret"));
    return std::nullopt;
  }
  return std::move(*obj);
}

api::OutputFormat OutputFor(const ResealOptions& opts, std::string_view input) {
  if (opts.output_format == "json") return api::OutputFormat::kJson;
  if (opts.output_format == "yaml") return api::OutputFormat::kYaml;
  size_t first = input.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && input[first] == '{'
             ? api::OutputFormat::kJson
             : api::OutputFormat::kYaml;
}

// The operator must answer with the same object, only its values changed.
bool SameObject(const api::SealedSecret& a, const api::SealedSecret& b) {
  if (a.metadata.name != b.metadata.name || a.metadata.ns != b.metadata.ns ||
      a.scope != b.scope ||
      a.encrypted_data.size() != b.encrypted_data.size()) {
    return false;
  }
  for (const auto& [key, value] : a.encrypted_data) {
    if (!b.encrypted_data.contains(key)) return false;
  }
  return true;
}

int ResealOffline(const ResealOptions& opts, const api::SealedSecret& obj,
                  api::OutputFormat format, Streams io) {
  auto passphrases = PassphrasesFromFiles(opts.passphrase_files, io.in);
  if (!passphrases) return Fail(io.err, passphrases.error());
  auto keys = IdentitiesFromFiles(opts.identity_files, *passphrases, io.in);
  if (!keys) return Fail(io.err, keys.error());
  std::vector<X25519Recipient> recipients;
  if (!opts.recipients.empty() || !opts.recipients_files.empty()) {
    auto r = RecipientsFromFlags(opts.recipients, opts.recipients_files, io.in);
    if (!r) return Fail(io.err, r.error());
    recipients = std::move(*r);
  } else {
    auto newest = FetchNewestRecipient(opts.cluster);
    if (!newest) {
      return FailWithHints(
          io.err,
          newest.error().Wrap("cannot read recipients from the cluster"),
          {ClusterHint(newest.error(),
                       "get on configmaps/sealsync-recipients in " +
                           opts.cluster.controller_namespace),
           "to reseal offline without a cluster, pass --recipients-file FILE "
           "or --recipient age1..."});
    }
    recipients.push_back(*newest);
  }
  auto out = sealed::Rewrap(obj, *keys, recipients, SystemRandom());
  if (!out) {
    std::string_view reason = sealed::ReasonFor(out.error());
    return FailWithHints(io.err, out.error().Wrap(reason),
                         {ReasonHint(reason)});
  }
  if (auto ok = CheckUtf8(*out); !ok) return Fail(io.err, ok.error());
  io.out << api::FormatSealedSecret(*out, format);
  return 0;
}

}  // namespace

// The documents of a YAML stream or a List, each as JSON text; one document
// stays the text it was (its format decides reseal's output).
static std::vector<std::string> SplitDocuments(const std::string& text) {
  auto docs = api::ParseManifests(text);
  if (!docs) return {text};  // the single-object path names the error
  bool listed = false;
  std::vector<api::Json> objects = ExpandLists(std::move(*docs), &listed);
  if (!listed || objects.empty()) return {text};
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.dump());
  return out;
}

static int VerifyOne(const VerifyOptions& opts, const std::string* text_in,
                     Streams io) {
  const std::string& text_ref = *text_in;
  const std::string* text = &text_ref;
  if (!ReadSealedSecret(*text, io.err)) return 1;
  auto answer = PostToOperator(opts.cluster, "/v1/verify", *text);
  if (!answer) return FailUnreachable(io.err, answer.error(), opts.cluster, "");
  if (answer->status != 200) return FailAnswer(io.err, *answer, "/v1/verify");
  auto verdict = ParseVerdict(answer->body);
  if (!verdict) {
    return Fail(io.err,
                "the operator's answer to /v1/verify is not a verdict (is "
                "--controller-url the sealsync operator's API?)");
  }
  if (!verdict->ok) return FailVerdict(io.err, *verdict);
  io.out << "ok: can be unsealed";
  for (size_t i = 0; i < verdict->key_ids.size(); ++i)
    io.out << (i == 0 ? " (keys: " : ", ") << verdict->key_ids[i];
  io.out << (verdict->key_ids.empty() ? "\n" : ")\n");
  return 0;
}

static int ResealOne(const ResealOptions& opts, const std::string* text,
                     Streams io) {
  auto obj = ReadSealedSecret(*text, io.err);
  if (!obj) return 1;
  api::OutputFormat format = OutputFor(opts, *text);
  if (!opts.identity_files.empty())
    return ResealOffline(opts, *obj, format, io);

  auto answer = PostToOperator(opts.cluster, "/v1/rewrap", *text);
  if (!answer) {
    return FailUnreachable(io.err, answer.error(), opts.cluster,
                           "to reseal offline, pass -i IDENTITY_FILE");
  }
  if (answer->status != 200) return FailAnswer(io.err, *answer, "/v1/rewrap");
  auto resealed = api::ParseSealedSecret(answer->body);
  if (!resealed || !SameObject(*obj, *resealed)) {
    return Fail(io.err,
                "the operator's answer to /v1/rewrap is not the same "
                "SealedSecret (is --controller-url the sealsync operator's "
                "API?)");
  }
  if (auto ok = CheckUtf8(*resealed); !ok) return Fail(io.err, ok.error());
  io.out << api::FormatSealedSecret(*resealed, format);
  return 0;
}

int Verify(const VerifyOptions& opts, Streams io) {
  auto text = ReadInput(opts.file, io.in);
  if (!text) return Fail(io.err, text.error());
  // A stream or List: every object verified, one line each; the first that
  // cannot be unsealed fails the command.
  for (const std::string& doc : SplitDocuments(*text)) {
    if (int rc = VerifyOne(opts, &doc, io); rc != 0) return rc;
  }
  return 0;
}

int Reseal(const ResealOptions& opts, Streams io) {
  auto text = ReadInput(opts.file, io.in);
  if (!text) return Fail(io.err, text.error());
  std::vector<std::string> docs = SplitDocuments(*text);
  if (docs.size() == 1) return ResealOne(opts, &docs[0], io);
  // Several: all resealed before anything is printed (a failure prints
  // nothing), YAML documents or a JSON List.
  ResealOptions each = opts;  // the documents are JSON text now
  if (each.output_format.empty()) {
    size_t first = text->find_first_not_of(" \t\r\n");
    each.output_format =
        first != std::string::npos && (*text)[first] == '{' ? "json" : "yaml";
  }
  std::vector<std::string> out;
  for (const std::string& doc : docs) {
    std::ostringstream one;
    Streams sub{io.in, one, io.err};
    if (int rc = ResealOne(each, &doc, sub); rc != 0) return rc;
    out.push_back(one.str());
  }
  PrintDocuments(io.out, out, each.output_format == "json");
  return 0;
}

}  // namespace sealsync::sealctl
