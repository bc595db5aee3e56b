// Small text helpers shared across modules.
#pragma once

#include <string_view>

namespace sealsync {

// `s` without the spaces and tabs at either end.
std::string_view TrimBlanks(std::string_view s);

// The value of hex digit `c` (0-9, a-f, A-F), or -1. Inline: the JSON
// reader calls it per \u escape digit.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace sealsync
