#include "sealctl/scan/allow_list.h"

#include <fnmatch.h>

#include <algorithm>

#include "lib/api/manifest.h"
#include "sealctl/scan/rules.h"

namespace sealsync::sealctl::scan {
namespace {

std::string_view WithoutDotSlash(std::string_view p) {
  while (p.starts_with("./")) p.remove_prefix(2);
  return p;
}

}  // namespace

bool AllowList::AllowsPath(std::string_view path) const {
  std::string p(WithoutDotSlash(path));
  for (const std::string& glob : paths) {
    std::string g(WithoutDotSlash(glob));
    while (g.size() > 1 && g.back() == '/') g.pop_back();
    if (fnmatch(g.c_str(), p.c_str(), 0) == 0) return true;
    if (p.starts_with(g + "/")) return true;
  }
  return false;
}

bool AllowList::Allows(const Finding& f) const {
  return AllowsPath(f.path) ||
         std::find(rules.begin(), rules.end(), f.rule) != rules.end() ||
         std::find(fingerprints.begin(), fingerprints.end(), f.fingerprint) !=
             fingerprints.end();
}

Result<AllowList> ParseAllowList(std::string_view text,
                                 const std::string& source) {
  auto fail = [&](const std::string& what) {
    return std::unexpected(
        Error(ErrorCode::kInvalidArgument, source + ": " + what));
  };
  AllowList list;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return list;
  auto doc = api::ParseManifest(text);
  if (!doc) return fail(doc.error().message());
  for (const auto& [key, value] : doc->items()) {
    std::vector<std::string>* into = key == "paths"   ? &list.paths
                                     : key == "rules" ? &list.rules
                                     : key == "fingerprints"
                                         ? &list.fingerprints
                                         : nullptr;
    if (into == nullptr)
      return fail("unknown field " + key +
                  " (expected paths, rules, fingerprints)");
    if (value.is_null()) continue;
    if (!value.is_array()) return fail(key + ": not a list");
    for (const auto& item : value) {
      if (!item.is_string()) return fail(key + ": not a list of strings");
      into->push_back(item.get<std::string>());
    }
  }
  for (const std::string& rule : list.rules) {
    const auto& all = AllRules();
    if (std::none_of(all.begin(), all.end(),
                     [&](const RuleInfo& r) { return r.id == rule; }))
      return fail("rules: unknown rule " + rule);
  }
  return list;
}

}  // namespace sealsync::sealctl::scan
