// Validation and text forms of scope bindings, shared by both value formats.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sealsync/sealing.h"

namespace sealsync::crypto {

inline constexpr std::string_view kScopeStanzaType = "sealsync.dev/scope";
inline constexpr std::string_view kKeyIdStanzaType = "sealsync.dev/kid";

// kInvalidArgument unless the binding has exactly the names its scope needs,
// each a valid Kubernetes name.
Result<void> ValidateBinding(const ScopeBinding& binding);

// The binding's arguments: {"strict", "ns/name"}, {"namespace", "ns"},
// {"cluster"}.
std::vector<std::string> BindingArgs(const ScopeBinding& binding);

// Parses BindingArgs' output back; kInvalidArgument if malformed.
Result<ScopeBinding> ParseBindingArgs(const std::vector<std::string>& args);

}  // namespace sealsync::crypto
