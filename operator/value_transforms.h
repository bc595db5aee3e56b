// What ESO's ExternalSecret does to a value or key after reading it, as pure
// functions: nested `property` paths, `decodingStrategy` and
// `dataFrom[].rewrite`. Inputs come from tenants (paths, patterns) and from a
// vault the tenant may run (values, keys): everything is bounded, and no
// error quotes a value.
#pragma once

#include <re2/re2.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sealsync/error.h"
#include "sealsync/kube.h"

namespace sealsync::op {

// remoteRef.decodingStrategy / extract / find: decodingStrategy.
enum class Decoding { kNone, kBase64, kBase64Url, kAuto };

// Reads `decodingStrategy` of `ref` (None when absent). kInvalidArgument
// naming `field`.decodingStrategy for anything else.
Result<Decoding> ParseDecoding(const kube::Json& ref, const std::string& field);

// None: as is. Base64 / Base64URL: padded standard / URL alphabet, an error
// naming `field` if the value is not (never quoting it). Auto: Base64, else
// Base64URL, else as is (ESO's order).
Result<std::string> DecodeValue(const std::string& value, Decoding d,
                                const std::string& field);

// `property` of a JSON value, as ESO's providers select it: the whole
// property as one key first; otherwise a path of '.'-separated keys, a
// number indexing an array ("users.0.name"), "\." a literal dot. A string
// comes out as is, anything else as compact JSON. kInvalidArgument if the
// value is not JSON, kNotFound naming the property if nothing is there.
Result<std::string> SelectProperty(const std::string& value,
                                   const std::string& property,
                                   const std::string& field);

// One dataFrom[].rewrite entry: regexp {source, target} (RE2, every match
// replaced, $1 / ${name} expand) or transform {template} (the key as
// `.value`, rendered by the template engine).
struct RewriteRule {
  std::shared_ptr<const RE2> source;  // regexp
  std::string target;                 // regexp
  std::string transform;              // transform.template
};

inline constexpr size_t kMaxRewrites = 16;
inline constexpr size_t kMaxRewritePatternLength = 1024;

// Parses `rewrite` (an array, at most kMaxRewrites). kInvalidArgument
// naming `field`[i] and the bad part.
Result<std::vector<RewriteRule>> ParseRewrites(const kube::Json& rewrite,
                                               const std::string& field);

// Applies the rules in order to every key of `values`. A key rewritten to
// "" or to an invalid Secret key, or two keys rewritten to one, is an error
// naming `field` and the key (keys are not secret), never a value.
Result<std::map<std::string, std::string>> ApplyRewrites(
    std::map<std::string, std::string> values,
    const std::vector<RewriteRule>& rules, const std::string& field);

}  // namespace sealsync::op
