#include "operator/pem_filter.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "lib/base/base64.h"
#include "lib/base/text.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::op {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kEnd = "-----END ";
constexpr std::string_view kDashes = "-----";

struct Block {
  std::string type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // base64, whitespace removed
};

// The line of `s` starting at `at`, without its "\n", "\r" and trailing
// spaces and tabs; `at` moves past the "\n" (or to the end).
std::string_view NextLine(std::string_view s, size_t& at) {
  size_t nl = s.find('\n', at);
  size_t end = nl == std::string_view::npos ? s.size() : nl;
  std::string_view line = s.substr(at, end - at);
  at = nl == std::string_view::npos ? s.size() : nl + 1;
  while (!line.empty() &&
         (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  return line;
}

// The block whose BEGIN line starts at s[at]; on success `at` moves past
// its END line.
std::optional<Block> ParseBlock(std::string_view s, size_t& at) {
  size_t pos = at;
  std::string_view first = NextLine(s, pos);
  if (!first.starts_with(kBegin) || !first.ends_with(kDashes) ||
      first.size() < kBegin.size() + kDashes.size())
    return std::nullopt;
  Block b;
  b.type = std::string(first.substr(
      kBegin.size(), first.size() - kBegin.size() - kDashes.size()));
  const std::string end_line =
      std::string(kEnd) + b.type + std::string(kDashes);
  bool in_headers = true;
  while (pos < s.size()) {
    std::string_view line = NextLine(s, pos);
    if (line == end_line) {
      at = pos;
      return b;
    }
    // Another type's END, or a BEGIN before this block's END: not a block.
    // (Failing at the next BEGIN keeps a hostile input of many unterminated
    // blocks linear: no line is read by more than two attempts.)
    if (line.starts_with(kEnd) || line.starts_with(kBegin)) return std::nullopt;
    size_t colon = line.find(':');
    if (in_headers && colon != std::string_view::npos) {
      b.headers.emplace_back(TrimBlanks(line.substr(0, colon)),
                             TrimBlanks(line.substr(colon + 1)));
      continue;
    }
    in_headers = false;
    for (char c : line)
      if (c != ' ' && c != '\t') b.body += c;
  }
  return std::nullopt;  // no END line
}

// Go's pem.Encode of `b` (its bytes `der`).
std::string Encode(const Block& b, const Bytes& der) {
  std::string out = std::string(kBegin) + b.type + std::string(kDashes) + "\n";
  auto headers = b.headers;
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& x, const auto& y) {
                     if ((x.first == "Proc-Type") != (y.first == "Proc-Type"))
                       return x.first == "Proc-Type";
                     return x.first < y.first;
                   });
  for (const auto& [k, v] : headers) out += k + ": " + v + "\n";
  if (!headers.empty()) out += "\n";
  std::string body = Base64Encode(der);
  for (size_t i = 0; i < body.size(); i += 64) out += body.substr(i, 64) + "\n";
  SecureWipe(body.data(), body.size());
  out += std::string(kEnd) + b.type + std::string(kDashes) + "\n";
  return out;
}

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Where the next BEGIN line at the start of a line begins, from `from`.
size_t NextBegin(std::string_view s, size_t from) {
  for (size_t at = s.find(kBegin, from); at != std::string_view::npos;
       at = s.find(kBegin, at + 1)) {
    if (at == 0 || s[at - 1] == '\n') return at;
  }
  return std::string_view::npos;
}

}  // namespace

Result<std::string> FilterPem(std::string_view type, std::string_view input) {
  std::string out;
  bool matched = false;
  size_t tail = 0;  // where the input after the last decoded block starts
  for (size_t at = NextBegin(input, 0); at != std::string_view::npos;) {
    size_t next = at;
    auto block = ParseBlock(input, next);
    if (!block) {
      at = NextBegin(input, at + 1);  // a block that does not parse: skipped
      continue;
    }
    auto der = Base64Decode(block->body);
    SecureWipe(block->body.data(), block->body.size());
    if (!der) {
      at = NextBegin(input, at + 1);
      continue;
    }
    tail = next;
    if (SameIgnoringCase(block->type, type)) {
      out += Encode(*block, *der);
      matched = true;
    }
    SecureWipe(der->data(), der->size());
    at = NextBegin(input, next);
  }
  if (!matched && tail < input.size())
    return MakeError(ErrorCode::kInvalidArgument,
                     "filterPEM: found junk, not PEM blocks");
  return out;
}

}  // namespace sealsync::op
