#include "sealctl/scan/secret_manifest.h"

#include <re2/re2.h>

#include "lib/api/manifest.h"
#include "sealctl/documents.h"
#include "sealctl/scan/rules.h"

namespace sealsync::sealctl::scan {
namespace {

constexpr size_t kMaxKeysShown = 8;
constexpr size_t kMaxNameShown = 120;

bool HasPlaintext(const api::Json& map) {
  if (!map.is_object()) return false;
  for (const auto& [key, value] : map.items()) {
    if (!value.is_string()) continue;
    const std::string& v = value.get_ref<const std::string&>();
    if (!v.empty() && !IsPlaceholder(v)) return true;
  }
  return false;
}

std::string Shown(const api::Json& j) {
  std::string s = j.is_string() ? j.get<std::string>() : "";
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  return s.substr(0, kMaxNameShown);
}

// Line numbers (1-based) of each "kind: Secret" in the text, in order.
std::vector<int> KindLines(std::string_view text) {
  static const RE2 kKind(
      R"re(^\s*(?:-\s*)?"?kind"?\s*:\s*"?Secret"?\s*,?\s*$)re");
  std::vector<int> lines;
  int n = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(
        pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++n;
    if (line.find("Secret") != line.npos &&
        RE2::FullMatch(re2::StringPiece(line.data(), line.size()), kKind))
      lines.push_back(n);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

bool MayHoldSecret(std::string_view document) {
  return document.find("Secret") != document.npos &&
         document.find("ata") != document.npos;
}

std::vector<ManifestMatch> MatchSecretManifests(std::string_view document) {
  std::vector<ManifestMatch> out;
  if (!MayHoldSecret(document)) return out;
  auto docs = api::ParseManifests(document);
  if (!docs) return out;
  std::vector<api::Json> objects = ExpandLists(std::move(*docs));
  std::vector<int> kind_lines = KindLines(document);
  size_t secrets_seen = 0;
  for (const api::Json& obj : objects) {
    if (!obj.is_object() || obj.value("kind", api::Json()) != "Secret")
      continue;
    int line = secrets_seen < kind_lines.size() ? kind_lines[secrets_seen] : 1;
    ++secrets_seen;
    const api::Json none;
    const api::Json& data = obj.contains("data") ? obj["data"] : none;
    const api::Json& string_data =
        obj.contains("stringData") ? obj["stringData"] : none;
    if (!HasPlaintext(data) && !HasPlaintext(string_data)) continue;
    std::string keys;
    size_t shown = 0;
    for (const api::Json* m : {&data, &string_data}) {
      if (!m->is_object()) continue;
      for (const auto& [key, value] : m->items()) {
        if (shown++ == kMaxKeysShown) {
          keys += ", ...";
          break;
        }
        std::string k = key.substr(0, kMaxNameShown);
        for (char& c : k)
          if (static_cast<unsigned char>(c) < 0x20) c = '?';
        keys += (keys.empty() ? "" : ", ") + k;
      }
    }
    const api::Json meta = obj.value("metadata", api::Json::object());
    std::string id = meta.is_object()
                         ? Shown(meta.value("namespace", api::Json())) + "/" +
                               Shown(meta.value("name", api::Json()))
                         : "/";
    out.push_back({line, "kind: Secret " + id + " (data: " + keys + ")",
                   id + " " + keys});
  }
  return out;
}

}  // namespace sealsync::sealctl::scan
