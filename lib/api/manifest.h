// Generic manifest codec: YAML or JSON text <-> nlohmann::ordered_json.
// yaml-cpp and nlohmann exceptions are caught here and become Errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sealsync/error.h"

namespace sealsync::api {

using Json = nlohmann::ordered_json;

// Parses one YAML or JSON document. Plain YAML scalars stay strings except
// true/false/null (so "0123" or "1e3" in stringData keep their text).
// kInvalidArgument "malformed manifest: ..." on syntax errors or if there is
// not exactly one document.
Result<Json> ParseManifest(std::string_view text);

// Emits YAML (block style; strings that would read back as another type are
// quoted) or pretty JSON, each ending with a newline.
std::string EmitYaml(const Json& doc);
std::string EmitJson(const Json& doc);

}  // namespace sealsync::api
