// Reading one sample from a Prometheus text exposition (/metrics).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace sealsync::testing {

// The value of the sample whose line starts with exactly `series` (name and
// labels as exposed, e.g. `x_total{result="ok"}`) followed by a space;
// nullopt when no line has it or the value is not a number, so a test can
// tell "missing" from any reading.
inline std::optional<double> MetricValue(std::string_view text,
                                         std::string_view series) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (line.size() > series.size() && line.starts_with(series) &&
        line[series.size()] == ' ') {
      std::string value(line.substr(series.size() + 1));
      char* rest = nullptr;
      double v = std::strtod(value.c_str(), &rest);
      if (rest == value.c_str()) return std::nullopt;
      return v;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace sealsync::testing
