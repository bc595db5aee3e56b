// A program run in the background by a test (the operator binary): stdout
// and stderr go to a log file; the test signals it and waits for it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/files.h"  // ReadFile, for the log

namespace sealsync::testing {

class Subprocess {
 public:
  // Starts `argv` (argv[0] a path, or a name looked up in PATH) with output
  // appended to `log_path`.
  // nullopt if it cannot be started.
  static std::optional<Subprocess> Start(const std::vector<std::string>& argv,
                                         const std::string& log_path);
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  // Kills (SIGKILL) and reaps a process still running.
  ~Subprocess();

  void Signal(int sig) const;
  // Waits up to `timeout` for the exit; returns the exit code (128 + signal
  // when killed) or nullopt if still running.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace sealsync::testing
