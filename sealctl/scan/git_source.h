// The git inputs of `sealctl scan`: the index (--staged, for pre-commit) and
// the commits after a revision (--since, for CI). git is run as a child
// process (argv, no shell); blob contents stream into the scanner, so a
// huge blob costs no more memory than a huge file.
#pragma once

#include <string>
#include <vector>

#include "sealctl/scan/finding.h"
#include "sealsync/error.h"

namespace sealsync::sealctl::scan {

struct GitScan {
  std::vector<Finding> findings;
  int files = 0;  // blobs scanned
};

// Scans every file staged in the index of the repository holding `dir`
// (added, copied, modified, renamed), as staged. Paths are relative to the
// repository's top. kFailedPrecondition "DIR: not a git repository (...)".
Result<GitScan> ScanStaged(const std::string& dir);

// Scans the files each commit in REV..HEAD added or changed, as that commit
// has them; a finding is reported once, with the first commit it appears
// in. At most kMaxCommits commits (kResourceExhausted beyond).
// kInvalidArgument "--since REV: unknown revision".
inline constexpr int kMaxCommits = 100000;
Result<GitScan> ScanSince(const std::string& dir, const std::string& rev);

}  // namespace sealsync::sealctl::scan
