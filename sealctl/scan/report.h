// Writes scan findings as text (one line each), JSON, or SARIF 2.1.0 (for
// code-scanning UIs). Findings carry no secret values (finding.h), so
// neither does any format.
#pragma once

#include <iosfwd>
#include <string_view>
#include <vector>

#include "sealctl/scan/finding.h"

namespace sealsync::sealctl::scan {

struct ScanSummary {
  int files = 0;    // scanned
  int skipped = 0;  // binary
};

void WriteText(std::ostream& out, const std::vector<Finding>& findings);
void WriteJson(std::ostream& out, const std::vector<Finding>& findings,
               const ScanSummary& summary);
void WriteSarif(std::ostream& out, const std::vector<Finding>& findings);

}  // namespace sealsync::sealctl::scan
