#include "lib/base/time_format.h"

#include <cstdio>
#include <ctime>

namespace sealsync {

std::string FormatRfc3339(std::chrono::system_clock::time_point t,
                          bool micros) {
  using namespace std::chrono;
  auto secs = floor<seconds>(t);
  std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (micros) {
    auto us = duration_cast<microseconds>(t - secs).count();
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(us));
    out += buf;
  }
  out += 'Z';
  return out;
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(
    std::string_view s) {
  int y, mo, d, h, mi, sec;
  int consumed = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
                  &mi, &sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  std::string_view rest = s.substr(19);
  long long frac_us = 0;
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    long long scale = 100000;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      frac_us += (rest[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == 1) return std::nullopt;
    rest = rest.substr(i);
  }
  int offset_min = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
             rest[3] == ':') {
    int oh = (rest[1] - '0') * 10 + (rest[2] - '0');
    int om = (rest[4] - '0') * 10 + (rest[5] - '0');
    offset_min = (rest[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t tt = timegm(&tm);
  if (tt == -1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(tt) -
         std::chrono::minutes(offset_min) + std::chrono::microseconds(frac_us);
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s) {
  if (s == "0") return std::chrono::milliseconds(0);
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (start == i) return std::nullopt;
    double v = std::stod(std::string(s.substr(start, i - start)));
    size_t ustart = i;
    while (i < s.size() && (s[i] < '0' || s[i] > '9') && s[i] != '.') ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    if (unit == "h")
      total_ms += v * 3600000;
    else if (unit == "m")
      total_ms += v * 60000;
    else if (unit == "s")
      total_ms += v * 1000;
    else if (unit == "ms")
      total_ms += v;
    else
      return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

}  // namespace sealsync
