// What `sealctl scan` reports: one finding per secret found, never the
// secret itself.
#pragma once

#include <string>

namespace sealsync::sealctl::scan {

struct Finding {
  std::string path;     // as scanned (relative to the scan root, or git's)
  int line = 0;         // 1-based
  std::string rule;     // a rule id of rules.h
  std::string excerpt;  // the line with every secret on it redacted
  // 16 hex digits naming (path, rule, secret) without revealing the secret:
  // HMAC-SHA-256 keyed with a fixed label. Stable across line moves, so an
  // allow-list entry survives edits around it.
  std::string fingerprint;
  std::string commit;  // --since: the first commit it was seen in
};

}  // namespace sealsync::sealctl::scan
