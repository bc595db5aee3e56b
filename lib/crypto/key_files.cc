// Identity files (as age-keygen writes them) and recipients files.
#include <string>

#include "sealsync/age.h"

namespace sealsync {
namespace {

// Calls `fn(line, line_number)` for every non-blank, non-comment line, with
// surrounding whitespace (including CR) trimmed.
template <typename Fn>
Result<void> ForEachEntry(std::string_view text, Fn fn) {
  size_t pos = 0;
  int number = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++number;
    while (!line.empty() &&
           (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    auto r = fn(line, number);
    if (!r) return std::unexpected(r.error());
  }
  return {};
}

}  // namespace

Result<std::vector<X25519Identity>> ParseIdentityFile(std::string_view text) {
  std::vector<X25519Identity> out;
  auto r =
      ForEachEntry(text, [&](std::string_view line, int n) -> Result<void> {
        auto id = X25519Identity::Parse(line);
        if (!id) {
          return std::unexpected(id.error().Wrap("line " + std::to_string(n)));
        }
        out.push_back(std::move(*id));
        return {};
      });
  if (!r) return std::unexpected(r.error());
  if (out.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no identity in the file");
  }
  return out;
}

std::string FormatIdentityFile(const X25519Identity& identity,
                               std::string_view created_rfc3339) {
  std::string out = "# created: ";
  out += created_rfc3339;
  out += "\n# public key: ";
  out += identity.recipient().ToString();
  out += "\n";
  out += identity.ToString();
  out += "\n";
  return out;
}

Result<std::vector<X25519Recipient>> ParseRecipientsFile(
    std::string_view text) {
  std::vector<X25519Recipient> out;
  auto r =
      ForEachEntry(text, [&](std::string_view line, int n) -> Result<void> {
        auto rc = X25519Recipient::Parse(line);
        if (!rc) {
          return std::unexpected(rc.error().Wrap("line " + std::to_string(n)));
        }
        out.push_back(*rc);
        return {};
      });
  if (!r) return std::unexpected(r.error());
  if (out.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no recipient in the file");
  }
  return out;
}

}  // namespace sealsync
