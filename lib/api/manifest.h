// Generic manifest codec: YAML or JSON text <-> nlohmann::ordered_json.
// yaml-cpp and nlohmann exceptions are caught here and become Errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sealsync/error.h"

namespace sealsync::api {

using Json = nlohmann::ordered_json;

// How plain (unquoted) YAML scalars become JSON.
enum class Scalars {
  // Strings, except true/false/null: secret values such as 0123 or 1e3 keep
  // their exact text (Secret and SealedSecret manifests).
  kKeepText,
  // YAML 1.2 core schema: integers and floats become numbers too (generic
  // manifests sent to the API server, e.g. CRDs).
  kTyped,
};

// Parses one YAML or JSON document. kInvalidArgument "malformed manifest:
// ..." on syntax errors, duplicate keys, or if there is not exactly one
// document.
Result<Json> ParseManifest(std::string_view text,
                           Scalars scalars = Scalars::kKeepText);

// Parses a YAML stream ("---"-separated documents; empty ones skipped) or
// one JSON document, with the same checks and one alias budget for the
// whole input. Every YAML document must be a mapping.
Result<std::vector<Json>> ParseManifests(std::string_view text,
                                         Scalars scalars = Scalars::kKeepText);

// Emits YAML (block style; strings that would read back as another type are
// quoted) or pretty JSON, each ending with a newline.
std::string EmitYaml(const Json& doc);
std::string EmitJson(const Json& doc);

}  // namespace sealsync::api
