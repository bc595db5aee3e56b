// Structured logging for the operator over spdlog: one line per entry, JSON
// ({"ts","level","msg",...fields}) or text ("ts LEVEL msg k=v ..."). Fields
// are object references, reasons and error messages — never secret values
// (Errors never carry them; nothing else is passed). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sealsync::op {

using LogFields = std::vector<std::pair<std::string, std::string>>;

enum class LogFormat { kJson, kText };

// Configures the process-wide logger (stderr). `level`: debug|info|warn|error.
void InitLogging(LogFormat format, std::string_view level);

void Log(std::string_view level, std::string_view msg,
         const LogFields& fields = {});

}  // namespace sealsync::op
