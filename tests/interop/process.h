// Running outside programs (age, age-keygen, the sealctl binary) from tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "tests/sealctl/transcript.h"

namespace sealsync::testing {

// Runs `argv` (argv[0] is looked up in PATH) with `in` as stdin; returns its
// exit code (128 + signal if killed) and everything it wrote. Streams go
// through temp files, so any size works without deadlock.
CommandResult RunProcess(const std::vector<std::string>& argv,
                         const std::string& in = "");

// Runs `argv` on a new pseudo-terminal (as if typed at a terminal), answering
// every prompt that mentions "passphrase" with `passphrase` + newline. The
// terminal output goes to `out`. nullopt if no pty can be had.
std::optional<CommandResult> RunOnTerminal(const std::vector<std::string>& argv,
                                           const std::string& passphrase,
                                           std::chrono::seconds deadline);

// The full path of `program` in PATH, or empty.
std::string FindInPath(const std::string& program);

}  // namespace sealsync::testing
