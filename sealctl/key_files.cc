#include "sealctl/key_files.h"

#include "sealctl/io.h"

namespace sealsync::sealctl {

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
    auto text = ReadInput(path, in);
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

Result<std::vector<X25519Identity>> IdentitiesFromFiles(
    const std::vector<std::string>& identity_files, std::istream& in) {
  std::vector<X25519Identity> out;
  for (const auto& path : identity_files) {
    auto text = ReadInput(path, in);
    if (!text) return std::unexpected(text.error());
    auto ids = ParseIdentityFile(*text);
    SecureWipe(text->data(), text->size());
    if (!ids) return std::unexpected(ids.error().Wrap(path));
    out.insert(out.end(), ids->begin(), ids->end());
  }
  return out;
}

}  // namespace sealsync::sealctl
