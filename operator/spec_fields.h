// Reading fields of a custom resource's JSON the way every spec parser here
// does: a missing or mistyped field reads as the default (never throws), and
// a refused field is kInvalidArgument "FIELD: why".
#pragma once

#include <map>
#include <string>

#include "sealsync/error.h"
#include "sealsync/kube.h"

namespace sealsync::op::fields {

inline auto Bad(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": " + what);
}

// j[key] if `j` is an object and it is a string, else `def`.
inline std::string Str(const kube::Json& j, const char* key,
                       std::string def = "") {
  return j.is_object() && j.contains(key) && j[key].is_string()
             ? j[key].get<std::string>()
             : def;
}

// The string entries of the object `j` (others skipped; none if not one).
inline std::map<std::string, std::string> StrMap(const kube::Json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

}  // namespace sealsync::op::fields
