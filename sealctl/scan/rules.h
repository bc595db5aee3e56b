// The line rules of `sealctl scan`: known credential formats and
// high-entropy values under secret-like keys, as RE2 patterns (linear time,
// no backtracking, on any input) with a validator each. The plaintext-Secret
// manifest rule is in secret_manifest.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sealsync::sealctl::scan {

// Rule ids, as printed and as named in allow-lists.
inline constexpr std::string_view kRulePlaintextSecret = "plaintext-secret";
inline constexpr std::string_view kRulePrivateKey = "private-key";

struct RuleInfo {
  std::string_view id;
  std::string_view description;
};

// Every rule, the manifest rule first.
const std::vector<RuleInfo>& AllRules();

// One secret found on a line: which rule and where (byte offsets into the
// line). The secret itself is line.substr(begin, end - begin); callers only
// use it to redact and fingerprint.
struct LineMatch {
  std::string_view rule;
  size_t begin = 0;
  size_t end = 0;
};

// Matches every line rule against one line (no line terminator). Values that
// are sealed or recipients are never matched (sealed_values.h); neither are
// placeholders (${VAR}, {{ .Values.x }}, <password>, changeme, ...).
// `next_line` is the following line, for the private-key rule (a PEM block's
// BEGIN line counts when key material follows); empty at the end.
// Thread-compatible; the patterns are compiled once.
std::vector<LineMatch> MatchLine(std::string_view line,
                                 std::string_view next_line);

// A value that stands for a secret instead of being one: ${VAR}, $(cmd),
// {{ template }}, <password>, %s, ***, changeme, example, ...
bool IsPlaceholder(std::string_view value);

// Shannon entropy of `s` in bits per byte.
double Entropy(std::string_view s);

}  // namespace sealsync::sealctl::scan
