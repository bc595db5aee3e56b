#include "lib/api/manifest.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <regex>
#include <sstream>
#include <vector>

#include "sealsync/api.h"

namespace sealsync::api {
namespace {

// Thrown inside this file only, caught by ParseManifest.
struct ManifestError {
  std::string message;
};

// How much a document may expand to when its aliases are resolved: one unit
// per node plus one per scalar byte. A document without aliases needs at
// most about its own size; an alias bomb (each level doubling the one
// before) needs exponentially more and is refused at the limit, before it
// costs time or memory. The API server's YAML reader refuses such input too.
class Budget {
 public:
  explicit Budget(size_t text_size) : left_(kFloor + 4 * text_size) {}
  void Spend(size_t units) {
    if (units > left_) {
      throw ManifestError{
          "aliases expand to more than " + std::to_string(kFloor) +
          " + 4 x the input's size in nodes and bytes (an alias bomb?)"};
    }
    left_ -= units;
  }

 private:
  static constexpr size_t kFloor = size_t{1} << 20;
  size_t left_;
};

// Index of the first byte that is not part of valid UTF-8, or npos. YAML
// and JSON are Unicode: bytes that are not would otherwise reach the JSON
// writer (which throws on them) far from here.
size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80           ? 1
               : (c >> 5) == 0x6  ? 2
               : (c >> 4) == 0xE  ? 3
               : (c >> 3) == 0x1E ? 4
                                  : 0;
    if (n == 0 || i + n > s.size()) return i;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
        (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += n;
  }
  return std::string_view::npos;
}

// yaml-cpp 0.7 can loop forever on some malformed input: `,a: &"` yields
// empty documents without end, each allocating nodes, until memory runs out
// (found by tests/fuzz/manifest_fuzz). This counts the parser's events first
// and refuses the input past a limit linear in its size (a real document
// has at most a few events per byte), so that YAML::LoadAll below sees only
// input on which it terminates.
class EventLimit : public YAML::EventHandler {
 public:
  explicit EventLimit(size_t text_size) : left_(8 * text_size + 64) {}
  void OnDocumentStart(const YAML::Mark&) override { Count(); }
  void OnDocumentEnd() override { Count(); }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { Count(); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Count(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Count();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Count();
  }
  void OnSequenceEnd() override { Count(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Count();
  }
  void OnMapEnd() override { Count(); }

 private:
  void Count() {
    if (left_ == 0)
      throw ManifestError{"the YAML parser does not terminate on this input"};
    --left_;
  }
  size_t left_;
};

void CheckYamlTerminates(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  EventLimit limit(text.size());
  while (parser.HandleNextDocument(limit)) {
  }
}

// Index of the first control character YAML does not allow in a stream
// (outside its printable set: C0 except tab, LF and CR, and DEL), or npos.
// yaml-cpp 0.7 does not refuse them: it reads a NUL and the byte after it as
// one UTF-16 unit and produces bytes that are not UTF-8 ("\0N" becomes 0x85;
// found by tests/fuzz/manifest_fuzz). A control character belongs in a
// double-quoted escape ("\x01") or in base64 `data`.
size_t ControlCharAt(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return i;
  }
  return std::string_view::npos;
}

// As deep as the API client reads (kube::kMaxJsonDepth), for JSON and YAML
// alike. For YAML it also stops an alias that refers to a node containing
// it (`a: &a [*a]`): yaml-cpp builds a cycle, which would otherwise be
// walked until the stack overflows.
constexpr int kMaxDepth = 256;

// Parses JSON, refusing duplicate keys (nlohmann would keep the last one
// silently; a second "data" could hide from a reviewer what is applied).
Json ParseJsonStrict(std::string_view text) {
  std::vector<std::vector<std::string>> open;  // keys seen, per open object
  auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kMaxDepth)
      throw ManifestError{"nested deeper than " + std::to_string(kMaxDepth) +
                          " levels"};
    switch (event) {
      case Json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open.empty()) open.pop_back();
        break;
      case Json::parse_event_t::key: {
        if (open.empty()) break;
        const auto& key = parsed.get_ref<const std::string&>();
        auto& seen = open.back();
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
          throw ManifestError{"duplicate key \"" + PrintableKey(key) + "\""};
        seen.push_back(key);
        break;
      }
      default:
        break;
    }
    return true;
  };
  return Json::parse(text.begin(), text.end(), check);
}

// yaml-cpp 0.7 accepts a quoted scalar left open at the end of the input
// (silently swallowing the lines after it). Checks that the quoted scalar
// starting at `pos` is closed.
void CheckQuoteClosed(std::string_view text, const YAML::Mark& mark) {
  size_t pos = static_cast<size_t>(mark.pos);
  if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) return;
  char q = text[pos];
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (q == '"' && text[i] == '\\') {
      ++i;
    } else if (text[i] == q) {
      if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is an escaped quote
      } else {
        return;
      }
    }
  }
  throw ManifestError{"unterminated quoted string at line " +
                      std::to_string(mark.line + 1)};
}

// Parses a YAML 1.2 core-schema number, or nullopt.
std::optional<Json> CoreNumber(const std::string& s) {
  static const std::regex kInt(R"(^[-+]?[0-9]+$)");
  static const std::regex kFloat(
      R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  try {
    if (std::regex_match(s, kInt)) return Json(std::stoll(s));
    if (std::regex_match(s, kFloat)) return Json(std::stod(s));
  } catch (const std::exception&) {  // out of range: keep the text
  }
  return std::nullopt;
}

// yaml-cpp 0.7 decodes the escapes \N (U+0085) and \_ (U+00A0) to single
// raw bytes, not UTF-8 (found by tests/fuzz/manifest_fuzz): a scalar that
// is not UTF-8 after decoding is refused here, before the JSON writer would
// throw on it.
void CheckDecodedUtf8(const std::string& s, const YAML::Mark& mark) {
  if (InvalidUtf8At(s) == std::string_view::npos) return;
  throw ManifestError{"the string at line " + std::to_string(mark.line + 1) +
                      " is not UTF-8 once decoded (the escapes \\N and \\_ "
                      "are not supported: write the character itself)"};
}

Json FromYaml(const YAML::Node& node, std::string_view text, Scalars scalars,
              Budget& budget, int depth = 0) {
  budget.Spend(1);
  if (depth > kMaxDepth) {
    throw ManifestError{"nested deeper than " + std::to_string(kMaxDepth) +
                        " levels (or an alias inside itself)"};
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      budget.Spend(s.size());
      CheckDecodedUtf8(s, node.Mark());
      if (node.Tag() == "!") {  // quoted: always a string
        CheckQuoteClosed(text, node.Mark());
        return s;
      }
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
      if (scalars == Scalars::kTyped) {
        if (auto n = CoreNumber(s)) return *n;
      }
      return s;
    }
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node)
        arr.push_back(FromYaml(item, text, scalars, budget, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) {
        std::string key = kv.first.as<std::string>();
        budget.Spend(key.size());
        CheckDecodedUtf8(key, kv.first.Mark());
        if (obj.contains(key)) {
          throw ManifestError{"duplicate key \"" + PrintableKey(key) +
                              "\" at line " +
                              std::to_string(kv.first.Mark().line + 1)};
        }
        obj[key] = FromYaml(kv.second, text, scalars, budget, depth + 1);
      }
      return obj;
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return nullptr;
}

bool NeedsQuotes(const std::string& s) {
  static const std::regex kAmbiguous(
      R"(^(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$)");
  return std::regex_match(s, kAmbiguous);
}

void Emit(YAML::Emitter& out, const Json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, item] : v.items()) {
      out << YAML::Key << k << YAML::Value;
      Emit(out, item);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : v) Emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (NeedsQuotes(s)) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else if (v.is_null()) {
    out << YAML::Null;
  } else {
    out << v.dump();
  }
}

}  // namespace

Result<std::vector<Json>> ParseManifests(std::string_view text,
                                         Scalars scalars) {
  if (size_t bad = InvalidUtf8At(text); bad != std::string_view::npos) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "malformed manifest: not UTF-8 (byte " + std::to_string(bad + 1) + ")");
  }
  size_t first = text.find_first_not_of(" \t\r\n");
  try {
    if (first != std::string_view::npos &&
        (text[first] == '{' || text[first] == '[')) {
      return std::vector<Json>{ParseJsonStrict(text)};
    }
    if (size_t bad = ControlCharAt(text); bad != std::string_view::npos) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x",
                    static_cast<unsigned char>(text[bad]));
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed manifest: control character " +
                           std::string(hex) + " (byte " +
                           std::to_string(bad + 1) + ")");
    }
    std::string yaml(text);
    CheckYamlTerminates(yaml);
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
    std::erase_if(docs, [](const YAML::Node& n) { return n.IsNull(); });
    // One budget for the whole stream: many documents share it.
    Budget budget(text.size());
    std::vector<Json> out;
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].IsMap()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         docs.size() == 1
                             ? std::string("malformed manifest: the document "
                                           "is not a mapping")
                             : "malformed manifest: document " +
                                   std::to_string(i + 1) + " is not a mapping");
      }
      out.push_back(FromYaml(docs[i], text, scalars, budget));
    }
    return out;
  } catch (const ManifestError& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed manifest: " + e.message);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed manifest: YAML error at line " +
                         std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1));
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("malformed manifest: JSON error: ") +
                         (e.id == 101 ? "syntax error" : "invalid document"));
  }
}

Result<Json> ParseManifest(std::string_view text, Scalars scalars) {
  auto docs = ParseManifests(text, scalars);
  if (!docs) return std::unexpected(docs.error());
  if (docs->size() != 1) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "malformed manifest: expected exactly one document, found " +
            std::to_string(docs->size()));
  }
  if (!(*docs)[0].is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed manifest: the document is not a mapping");
  }
  return std::move((*docs)[0]);
}

std::string EmitYaml(const Json& doc) {
  YAML::Emitter out;
  Emit(out, doc);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

std::string EmitJson(const Json& doc) { return doc.dump(2) + "\n"; }

}  // namespace sealsync::api
