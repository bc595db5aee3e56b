#include "lib/api/manifest.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <regex>

namespace sealsync::api {
namespace {

// Thrown inside this file only, caught by ParseManifest.
struct ManifestError {
  std::string message;
};

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

Json FromYaml(const YAML::Node& node, std::string_view text, Scalars scalars) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
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
        arr.push_back(FromYaml(item, text, scalars));
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) {
        std::string key = kv.first.as<std::string>();
        if (obj.contains(key)) {
          throw ManifestError{"duplicate key \"" + key + "\" at line " +
                              std::to_string(kv.first.Mark().line + 1)};
        }
        obj[key] = FromYaml(kv.second, text, scalars);
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

Result<Json> ParseManifest(std::string_view text, Scalars scalars) {
  size_t first = text.find_first_not_of(" \t\r\n");
  try {
    if (first != std::string_view::npos &&
        (text[first] == '{' || text[first] == '[')) {
      return Json::parse(text);
    }
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    std::erase_if(docs, [](const YAML::Node& n) { return n.IsNull(); });
    if (docs.size() != 1) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "malformed manifest: expected exactly one document, found " +
              std::to_string(docs.size()));
    }
    if (!docs[0].IsMap()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed manifest: the document is not a mapping");
    }
    return FromYaml(docs[0], text, scalars);
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

std::string EmitYaml(const Json& doc) {
  YAML::Emitter out;
  Emit(out, doc);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

std::string EmitJson(const Json& doc) { return doc.dump(2) + "\n"; }

}  // namespace sealsync::api
