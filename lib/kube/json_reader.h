// ReadJson: parses JSON text (RFC 8259) into an nlohmann::json value, for
// the API server's responses and watch events.
//
// Why not Json::parse: nlohmann's lexer copies every input byte into an
// error-reporting buffer and tracks line and column as it goes; on the
// operator's hot path (a create response and a watch event per Secret) that
// was about a fifth of all the operator's instructions (callgrind,
// docs/benchmarks.md). This reader scans each string and number once and
// builds the same DOM.
//
// Contract (checked against Json::parse by tests/fuzz/json_fuzz.cc):
// - accepts exactly what Json::parse accepts (a leading UTF-8 byte order
//   mark skipped, surrounding whitespace allowed, nothing after the value
//   but a NUL byte and whatever follows it: Json::parse stops reading at
//   a NUL), up to kMaxJsonDepth nested arrays/objects, and returns an equal
//   value with the same number types (non-negative integers unsigned,
//   negative integers signed, integers out of range and fractions double);
// - on a repeated object key the last value wins, as in Json::parse;
// - rejects invalid UTF-8, lone surrogates, control characters in strings,
//   numbers that overflow a double, and anything deeper than kMaxJsonDepth
//   with std::nullopt (no message: input is never echoed).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace sealsync::kube {

// Deep enough for any Kubernetes object; shallow enough that the recursive
// reader never threatens a worker thread's stack.
inline constexpr int kMaxJsonDepth = 256;

std::optional<nlohmann::json> ReadJson(std::string_view text);

}  // namespace sealsync::kube
