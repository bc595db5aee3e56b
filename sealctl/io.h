// File and stream helpers for sealctl commands.
#pragma once

#include <iosfwd>
#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::sealctl {

// Reads all of `path`, or of `in` when path is empty or "-".
Result<std::string> ReadInput(const std::string& path, std::istream& in);

// Writes `data` to a new file `path` with mode 0600; kAlreadyExists if the
// file exists (never overwrites a key).
Result<bool> WriteNewPrivateFile(const std::string& path, std::string_view data);

// Prints "sealctl: error: <message>" and returns 1.
int Fail(std::ostream& err, const Error& error);
int Fail(std::ostream& err, std::string_view message);

}  // namespace sealsync::sealctl
