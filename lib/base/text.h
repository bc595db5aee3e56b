// Small text helpers shared across modules.
#pragma once

#include <string_view>

namespace sealsync {

// `s` without the spaces and tabs at either end.
std::string_view TrimBlanks(std::string_view s);

}  // namespace sealsync
