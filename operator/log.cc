#include "operator/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "lib/base/time_format.h"

namespace sealsync::op {
namespace {

LogFormat g_format = LogFormat::kJson;

spdlog::level::level_enum ToLevel(std::string_view level) {
  if (level == "debug") return spdlog::level::debug;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_logger_mt("sealsync");
    l->set_pattern("%v");
    return l;
  }();
  return logger;
}

}  // namespace

void InitLogging(LogFormat format, std::string_view level) {
  g_format = format;
  Logger()->set_level(ToLevel(level));
  Logger()->flush_on(spdlog::level::debug);
}

void Log(std::string_view level, std::string_view msg,
         const LogFields& fields) {
  auto lvl = ToLevel(level);
  if (!Logger()->should_log(lvl)) return;
  std::string ts = FormatRfc3339(std::chrono::system_clock::now(), true);
  std::string line;
  if (g_format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = level;
    j["msg"] = msg;
    for (const auto& [k, v] : fields) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " " + std::string(level) + " " + std::string(msg);
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  }
  Logger()->log(lvl, line);
}

}  // namespace sealsync::op
