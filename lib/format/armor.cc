#include "lib/format/armor.h"

#include "lib/base/base64.h"

namespace sealsync::format {
namespace {

constexpr size_t kColumns = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

auto Malformed(std::string what) {
  return MakeError(ErrorCode::kInvalidArgument, "armor malformed: " + what);
}

}  // namespace

bool LooksArmored(ByteView data) {
  std::string_view s = AsString(data);
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s.starts_with(kArmorBegin);
}

std::string Armor(ByteView data) {
  std::string b64 = Base64Encode(data);
  std::string out(kArmorBegin);
  out += '\n';
  for (size_t i = 0; i < b64.size(); i += kColumns) {
    out.append(b64, i, kColumns);
    out += '\n';
  }
  out += kArmorEnd;
  out += '\n';
  return out;
}

Result<Bytes> Dearmor(ByteView data) {
  std::string_view s = TrimSpace(AsString(data));
  // Split into lines, accepting LF or CRLF consistently per line.
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t nl = s.find('\n', pos);
    std::string_view line = s.substr(pos, nl - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // Begin and end lines with nothing between is Armor() of empty input.
  if (lines.size() < 2) return Malformed("too short");
  if (lines.front() != kArmorBegin) return Malformed("missing begin line");
  if (lines.back() != kArmorEnd) return Malformed("missing end line");
  std::string b64;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    bool last = i + 2 == lines.size();
    if (line.empty()) return Malformed("empty line");
    if (line.size() > kColumns) return Malformed("line longer than 64 columns");
    if (!last && line.size() != kColumns) {
      return Malformed("short line before the last");
    }
    b64 += line;
  }
  auto bytes = Base64Decode(b64);
  if (!bytes) return Malformed("bad base64");
  return std::move(*bytes);
}

}  // namespace sealsync::format
