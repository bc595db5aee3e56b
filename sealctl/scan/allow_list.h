// The allow-list of `sealctl scan`: `.sealctl-scan.yaml`
//
//   paths: [GLOB, ...]          # files never reported (fnmatch; a directory
//                               # prefix covers everything below it)
//   rules: [RULE, ...]          # rules turned off
//   fingerprints: [HEX16, ...]  # accepted findings (from the report)
//
// Inline, a line holding "sealctl:allow" reports nothing (scanner.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sealctl/scan/finding.h"
#include "sealsync/error.h"

namespace sealsync::sealctl::scan {

struct AllowList {
  std::vector<std::string> paths;
  std::vector<std::string> rules;
  std::vector<std::string> fingerprints;

  bool Allows(const Finding& finding) const;
  bool AllowsPath(std::string_view path) const;
};

// Parses the file's text; kInvalidArgument naming `source` and the field on
// anything else than the three lists of strings, or an unknown rule id.
Result<AllowList> ParseAllowList(std::string_view text,
                                 const std::string& source);

}  // namespace sealsync::sealctl::scan
