// sealsync-operator: parses flags, wires the Operator, runs until SIGTERM.
#include <csignal>
#include <iostream>

#include "operator/log.h"
#include "operator/operator.h"
#include "operator/options.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = sealsync::op::ParseFlags(args, std::cout, std::cerr);
  if (flags.exit_now) return flags.exit_code;
  sealsync::op::InitLogging(flags.log_format, flags.log_level);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);
  auto r = sealsync::op::Run(flags.options, g_stop);
  if (!r) {
    sealsync::op::Log("error", "operator stopped",
                      {{"error", r.error().message()}});
    return 1;
  }
  sealsync::op::Log("info", "stopped cleanly");
  return 0;
}
