// Scans text for secrets in bounded memory: input is read in blocks, lines
// longer than kMaxLine are scanned in overlapping windows, a YAML/JSON
// document is kept for the manifest rule only up to kMaxDocument, and binary
// input (a NUL byte in the first block) is skipped whole.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "sealctl/scan/finding.h"
#include "sealsync/error.h"

namespace sealsync::sealctl::scan {

inline constexpr size_t kMaxLine = 64 * 1024;
inline constexpr size_t kMaxDocument = 4 * 1024 * 1024;

// Reads up to `size` bytes into `buf`: the count, 0 at the end, -1 on error
// (errno set).
using ReadFn = std::function<ssize_t(char* buf, size_t size)>;

struct StreamResult {
  std::vector<Finding> findings;
  bool binary = false;  // skipped: not text
};

// Scans one input named `path` (its extension decides whether the manifest
// rule runs: .yaml .yml .json). Lines holding "sealctl:allow" report
// nothing. kUnavailable "cannot read PATH: ..." on a read error.
Result<StreamResult> ScanStream(const std::string& path, const ReadFn& read);

// Scans the file at `path` (not following a symlink at `path`), reporting
// it as `shown`.
Result<StreamResult> ScanFile(const std::string& path,
                              const std::string& shown);

// The regular files under each of `paths` (a file is itself), depth first
// in name order; .git directories and symlinks are skipped. kNotFound
// "PATH: no such file or directory" for a missing path.
Result<std::vector<std::string>> CollectFiles(
    const std::vector<std::string>& paths);

}  // namespace sealsync::sealctl::scan
