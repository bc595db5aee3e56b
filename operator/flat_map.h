// The output of a templateAs KeysAndValues template (template_from.h) read
// as a flat map of keys to values: what ESO reads with a YAML parser, in the
// subset such templates produce, parsed here without one so that values
// stay in buffers we wipe and no parser error can quote them. Pure.
//
// Accepted: one JSON object (values: strings as they are, numbers and
// booleans as their text, null as ""); or YAML lines `key: value`, where a
// key or value is plain, "double-quoted" (JSON escapes, \uXXXX included) or
// 'single-quoted' ('' for a quote), a plain value ends at " #" (a comment),
// and empty lines, "# comments" and a leading "---" are skipped. Refused
// (kInvalidArgument naming `field` and the line, never the text): indented
// or continued lines, block scalars (| >), flow collections, anchors,
// aliases, tags, a repeated key, anything after a closing quote.
#pragma once

#include <map>
#include <string>

#include "sealsync/error.h"

namespace sealsync::op {

// At most this many entries (a Secret holds far fewer).
inline constexpr size_t kMaxFlatMapEntries = 4096;

Result<std::map<std::string, std::string>> ParseFlatMap(
    const std::string& text, const std::string& field);

}  // namespace sealsync::op
