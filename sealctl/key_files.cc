#include "sealctl/key_files.h"

#include "lib/format/age_header.h"
#include "lib/format/armor.h"
#include "lib/http/transport.h"
#include "sealctl/io.h"

namespace sealsync::sealctl {
namespace {

// An age file rather than a list of keys: age's own test (the version line
// first, or the armor's begin line after whitespace).
bool IsAgeFile(std::string_view text) {
  return text.starts_with(format::kAgeVersionLine) ||
         format::LooksArmored(AsBytes(text));
}

// True if the age file's header is one scrypt stanza (a passphrase).
bool IsPassphraseEncrypted(std::string_view text) {
  Bytes dearmored;
  ByteView file = AsBytes(text);
  if (format::LooksArmored(file)) {
    auto d = format::Dearmor(file);
    if (!d) return false;
    dearmored = std::move(*d);
    file = ByteView(dearmored.data(), dearmored.size());
  }
  auto header = format::ParseHeader(file);
  bool scrypt = header && header->header.stanzas.size() == 1 &&
                header->header.stanzas[0].type == "scrypt";
  SecureWipe(dearmored.data(), dearmored.size());
  return scrypt;
}

// The plaintext of the passphrase-encrypted identity file `text`.
Result<SecureBytes> OpenEncryptedIdentityFile(std::string_view text,
                                              const std::string& path,
                                              const Passphrases& passphrases) {
  if (!IsPassphraseEncrypted(text)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "identity file " + path +
                         " is an age file that is not encrypted with a "
                         "passphrase (or is malformed)");
  }
  if (passphrases.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "identity file " + path +
                         " is encrypted with a passphrase: pass "
                         "--passphrase-file FILE");
  }
  std::vector<const AgeIdentity*> ids;
  for (const auto& p : passphrases) ids.push_back(p.get());
  auto dec = AgeDecrypt(AsBytes(text), ids);
  if (!dec) {
    if (dec.error().code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "wrong passphrase for identity file " + path);
    }
    return std::unexpected(dec.error().Wrap("identity file " + path));
  }
  return std::move(dec->plaintext);
}

}  // namespace

Result<std::vector<X25519Recipient>> RecipientsFromFlags(
    const std::vector<std::string>& recipients,
    const std::vector<std::string>& recipients_files, std::istream& in) {
  std::vector<X25519Recipient> out;
  for (const auto& r : recipients) {
    auto parsed = X25519Recipient::Parse(r);
    if (!parsed) return std::unexpected(parsed.error().Wrap("--recipient"));
    out.push_back(*parsed);
  }
  for (const auto& path : recipients_files) {
    Result<std::string> text = std::string();
    if (path.starts_with("https://") || path.starts_with("http://")) {
      // kubeseal's --cert URL habit: the recipients file served over HTTP
      // (e.g. the operator's /v1/recipients with Accept: text/plain).
      http::Transport transport;
      auto answer =
          transport.Do({.url = path, .headers = {"Accept: text/plain"}});
      if (!answer) return std::unexpected(answer.error());
      if (answer->status != 200)
        return MakeError(
            ErrorCode::kUnavailable,
            "GET " + path + ": HTTP " + std::to_string(answer->status));
      text = std::move(answer->body);
    } else {
      text = ReadInput(path, in);
    }
    if (!text) return std::unexpected(text.error());
    auto parsed = ParseRecipientsFile(*text);
    if (!parsed) return std::unexpected(parsed.error().Wrap(path));
    out.insert(out.end(), parsed->begin(), parsed->end());
  }
  if (out.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no recipients: pass --recipient age1... or "
                     "--recipients-file FILE");
  }
  return out;
}

Result<Passphrases> PassphrasesFromFiles(const std::vector<std::string>& files,
                                         std::istream& in) {
  Passphrases out;
  for (const auto& path : files) {
    auto text = ReadInput(path, in);
    if (!text) return std::unexpected(text.error());
    std::string p = *text;
    SecureWipe(text->data(), text->size());
    while (!p.empty() && (p.back() == '\n' || p.back() == '\r')) p.pop_back();
    out.push_back(std::make_unique<ScryptIdentity>(std::move(p)));
  }
  return out;
}

Result<std::vector<X25519Identity>> IdentitiesFromFiles(
    const std::vector<std::string>& identity_files,
    const Passphrases& passphrases, std::istream& in) {
  std::vector<X25519Identity> out;
  for (const auto& path : identity_files) {
    auto text = ReadInput(path, in);
    if (!text) return std::unexpected(text.error());
    Result<std::vector<X25519Identity>> ids =
        MakeError(ErrorCode::kInternal, "unreachable");
    if (IsAgeFile(*text)) {
      auto plain = OpenEncryptedIdentityFile(*text, path, passphrases);
      SecureWipe(text->data(), text->size());
      if (!plain) return std::unexpected(plain.error());
      ids = ParseIdentityFile(AsString(ByteView(plain->data(), plain->size())));
    } else {
      ids = ParseIdentityFile(*text);
      SecureWipe(text->data(), text->size());
    }
    if (!ids) return std::unexpected(ids.error().Wrap(path));
    out.insert(out.end(), ids->begin(), ids->end());
  }
  return out;
}

}  // namespace sealsync::sealctl
