#include "lib/format/age_header.h"

#include <algorithm>

#include "lib/base/base64.h"

namespace sealsync::format {
namespace {

constexpr size_t kColumns = 64;

auto Malformed(std::string what) {
  return MakeError(ErrorCode::kInvalidArgument, "header malformed: " + what);
}

// Reads one LF-terminated line starting at `pos`; advances `pos` past the LF.
// Returns false if there is no LF.
bool NextLine(std::string_view text, size_t& pos, std::string_view& line) {
  size_t nl = text.find('\n', pos);
  if (nl == std::string_view::npos) return false;
  line = text.substr(pos, nl - pos);
  pos = nl + 1;
  return true;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t sp = s.find(' ', start);
    out.push_back(s.substr(start, sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

void AppendWrappedBody(std::string& out, ByteView body) {
  std::string b64 = Base64EncodeRaw(body);
  size_t i = 0;
  while (b64.size() - i >= kColumns) {
    out.append(b64, i, kColumns);
    out += '\n';
    i += kColumns;
  }
  out.append(b64, i, std::string::npos);  // final line, possibly empty
  out += '\n';
}

}  // namespace

bool IsValidArgument(std::string_view arg) {
  if (arg.empty()) return false;
  return std::all_of(arg.begin(), arg.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7e; });
}

Result<ParsedHeader> ParseHeader(ByteView file) {
  std::string_view text = AsString(file);
  size_t pos = 0;
  std::string_view line;
  if (!NextLine(text, pos, line)) return Malformed("no version line");
  if (line != kAgeVersionLine) {
    return Malformed("unsupported version line (want age-encryption.org/v1)");
  }
  ParsedHeader out;
  while (true) {
    size_t line_start = pos;
    if (!NextLine(text, pos, line))
      return Malformed("unexpected end of header");
    if (line.starts_with("---")) {
      std::vector<std::string_view> parts = SplitSpaces(line);
      if (parts.size() != 2 || parts[0] != "---") {
        return Malformed("bad MAC line");
      }
      auto mac = Base64DecodeRaw(parts[1]);
      if (!mac || mac->size() != 32) return Malformed("bad MAC encoding");
      if (out.header.stanzas.empty()) return Malformed("no recipient stanza");
      std::copy(mac->begin(), mac->end(), out.header.mac.begin());
      out.mac_input_size = line_start + 3;
      out.size = pos;
      return out;
    }
    if (!line.starts_with("-> ")) return Malformed("expected a stanza or MAC");
    std::vector<std::string_view> args = SplitSpaces(line.substr(3));
    Stanza stanza;
    for (std::string_view a : args) {
      if (!IsValidArgument(a)) return Malformed("bad stanza argument");
    }
    stanza.type = std::string(args[0]);
    for (size_t i = 1; i < args.size(); ++i) stanza.args.emplace_back(args[i]);
    while (true) {
      if (!NextLine(text, pos, line))
        return Malformed("unterminated stanza body");
      if (line.size() > kColumns) return Malformed("stanza body line too long");
      auto chunk = Base64DecodeRaw(line);
      if (!chunk) return Malformed("bad stanza body encoding");
      stanza.body.insert(stanza.body.end(), chunk->begin(), chunk->end());
      if (line.size() < kColumns) break;
    }
    out.header.stanzas.push_back(std::move(stanza));
  }
}

std::string SerializeMacInput(const std::vector<Stanza>& stanzas) {
  std::string out(kAgeVersionLine);
  out += '\n';
  for (const Stanza& s : stanzas) {
    out += "-> ";
    out += s.type;
    for (const std::string& a : s.args) {
      out += ' ';
      out += a;
    }
    out += '\n';
    AppendWrappedBody(out, s.body);
  }
  out += "---";
  return out;
}

std::string SerializeHeader(const Header& header) {
  std::string out = SerializeMacInput(header.stanzas);
  out += ' ';
  out += Base64EncodeRaw(header.mac);
  out += '\n';
  return out;
}

}  // namespace sealsync::format
