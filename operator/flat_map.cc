#include "operator/flat_map.h"

#include <optional>
#include <string_view>

#include "lib/base/text.h"
#include "lib/base/utf8.h"
#include "lib/kube/json_reader.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::op {
namespace {

using Map = std::map<std::string, std::string>;

void Wipe(std::string& s) { SecureWipe(s.data(), s.size()); }

void Wipe(Map& m) {
  for (auto& [_, v] : m) Wipe(v);
  m.clear();
}

void WipeJson(nlohmann::json& j) {
  if (j.is_string()) {
    Wipe(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& v : j) WipeJson(v);
  }
}

Error LineError(const std::string& field, size_t line, const std::string& w) {
  return Error(ErrorCode::kInvalidArgument,
               field + ": the rendered KeysAndValues output, line " +
                   std::to_string(line) + ": " + w);
}

// One JSON object: strings as they are, numbers and booleans as text.
Result<Map> FromJson(const std::string& text, const std::string& field) {
  auto j = kube::ReadJson(text);
  if (!j || !j->is_object()) {
    if (j) WipeJson(*j);
    return MakeError(ErrorCode::kInvalidArgument,
                     field +
                         ": the rendered KeysAndValues output is not a "
                         "JSON object of keys to values");
  }
  Map out;
  for (auto& [k, v] : j->items()) {
    if (v.is_structured()) {
      WipeJson(*j);
      Wipe(out);
      return MakeError(ErrorCode::kInvalidArgument,
                       field +
                           ": the rendered KeysAndValues output has a "
                           "nested value (want a flat object)");
    }
    out[k] = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
  }
  WipeJson(*j);
  if (out.size() > kMaxFlatMapEntries) {
    Wipe(out);
    return MakeError(
        ErrorCode::kResourceExhausted,
        field + ": more than " + std::to_string(kMaxFlatMapEntries) + " keys");
  }
  return out;
}

std::optional<uint32_t> Hex(std::string_view s) {
  uint32_t v = 0;
  for (char c : s) {
    int d = HexValue(c);
    if (d < 0) return std::nullopt;
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  return v;
}

// Reads a quoted scalar starting at line[i] (the quote) into `out`; leaves i
// after the closing quote. nullopt: what is wrong.
std::optional<std::string> Quoted(std::string_view line, size_t& i,
                                  std::string& out) {
  const char q = line[i++];
  while (i < line.size()) {
    char c = line[i++];
    if (q == '\'') {
      if (c != '\'') {
        out += c;
      } else if (i < line.size() && line[i] == '\'') {
        out += '\'';
        ++i;
      } else {
        return std::nullopt;
      }
      continue;
    }
    if (c == '"') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= line.size()) break;
    char e = line[i++];
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case 'x':
      case 'u': {
        const size_t n = e == 'x' ? 2 : 4;
        auto v = i + n <= line.size() ? Hex(line.substr(i, n)) : std::nullopt;
        if (!v) return "a bad escape in a quoted value";
        i += n;
        uint32_t cp = *v;
        // A UTF-16 surrogate pair (as JSON writes characters past U+FFFF).
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= line.size() &&
            line[i] == '\\' && line[i + 1] == 'u') {
          auto lo = Hex(line.substr(i + 2, 4));
          if (lo && *lo >= 0xDC00 && *lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) return "a lone UTF-16 surrogate";
        AppendUtf8(out, cp);
        break;
      }
      default:
        return "a bad escape in a quoted value";
    }
  }
  return "a quote not closed on its line";
}

bool Blank(char c) { return c == ' ' || c == '\t'; }

// The rest of a line after a scalar: blanks, then nothing or a comment.
bool OnlyComment(std::string_view line, size_t i) {
  while (i < line.size() && Blank(line[i])) ++i;
  return i == line.size() || (line[i] == '#' && Blank(line[i - 1]));
}

// Parses one `key: value` line into k, v. nullopt when it is fine.
std::optional<std::string> ParseLine(std::string_view line, std::string& k,
                                     std::string& v) {
  size_t i = 0;
  if (line[0] == '"' || line[0] == '\'') {
    if (auto e = Quoted(line, i, k)) return e;
    while (i < line.size() && Blank(line[i])) ++i;
    if (i >= line.size() || line[i] != ':') return "want \"key: value\"";
    ++i;
  } else {
    if (std::string_view("-?[]{}&*!|>%@`,").find(line[0]) !=
        std::string_view::npos)
      return "unsupported YAML (want \"key: value\")";
    size_t colon = 0;
    for (;; ++colon) {
      colon = line.find(':', colon);
      if (colon == std::string_view::npos) return "want \"key: value\"";
      if (colon + 1 == line.size() || Blank(line[colon + 1])) break;
    }
    k = std::string(line.substr(0, colon));
    while (!k.empty() && Blank(k.back())) k.pop_back();
    i = colon + 1;
  }
  if (i < line.size() && !Blank(line[i])) return "want \"key: value\"";
  while (i < line.size() && Blank(line[i])) ++i;
  if (i == line.size() || line[i] == '#') return std::nullopt;  // empty
  if (line[i] == '"' || line[i] == '\'') {
    if (auto e = Quoted(line, i, v)) return e;
    if (!OnlyComment(line, i)) return "text after a closing quote";
    return std::nullopt;
  }
  if (std::string_view("|>[{&*!%@`").find(line[i]) != std::string_view::npos)
    return "unsupported YAML (block scalars, flow collections, anchors, "
           "aliases and tags are not read; quote the value)";
  size_t end = line.size();
  for (size_t c = i; c < line.size(); ++c) {
    if (line[c] == '#' && Blank(line[c - 1])) {
      end = c;
      break;
    }
  }
  while (end > i && Blank(line[end - 1])) --end;
  v = std::string(line.substr(i, end - i));
  if (v == "~" || v == "null" || v == "Null" || v == "NULL") {
    v.clear();
  }
  return std::nullopt;
}

}  // namespace

Result<Map> ParseFlatMap(const std::string& text, const std::string& field) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return Map{};
  if (text[first] == '{') return FromJson(text, field);
  Map out;
  std::string_view rest(text);
  bool content = false;
  for (size_t n = 1; !rest.empty(); ++n) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && Blank(line[start])) ++start;
    if (start == line.size() || line[start] == '#') continue;
    if (!content && line == "---") {
      content = true;
      continue;
    }
    content = true;
    auto fail = [&](const std::string& what) {
      Wipe(out);
      return std::unexpected(LineError(field, n, what));
    };
    if (start > 0)
      return fail("indented (nested or continued values are not supported)");
    std::string k, v;
    auto e = ParseLine(line, k, v);
    if (e) {
      Wipe(v);
      return fail(*e);
    }
    if (out.contains(k)) {
      Wipe(v);
      return fail("a key repeated");
    }
    if (out.size() >= kMaxFlatMapEntries) {
      Wipe(v);
      Wipe(out);
      return MakeError(ErrorCode::kResourceExhausted,
                       field + ": more than " +
                           std::to_string(kMaxFlatMapEntries) + " keys");
    }
    out.emplace(std::move(k), std::move(v));
  }
  return out;
}

}  // namespace sealsync::op
