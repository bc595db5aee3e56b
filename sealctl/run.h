// sealctl's testable entry point. main.cc only forwards argv and std streams.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace sealsync::sealctl {

// Runs sealctl with `args` (without the program name). Reads input from `in`
// where a command reads stdin, writes results to `out` and messages
// ("sealctl: error: ...", "sealctl: hint: ...") to `err`. Returns the exit
// code: 0 success, 1 bad flags, bad input or failure.
int Run(const std::vector<std::string>& args, std::istream& in,
        std::ostream& out, std::ostream& err);

}  // namespace sealsync::sealctl
