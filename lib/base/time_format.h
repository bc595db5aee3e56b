// RFC 3339 timestamps as Kubernetes writes them (UTC, "Z").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sealsync {

// "2026-11-23T18:32:40Z", or with `micros` "2026-11-23T18:32:40.123456Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t,
                          bool micros = false);

// Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)". nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(
    std::string_view s);

// Parses a Go-style duration ("720h", "1h30m", "90s", "500ms", "0"). nullopt
// if malformed.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s);

}  // namespace sealsync
