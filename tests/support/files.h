// Files and directories of tests: fixtures written, outputs read back, a
// scratch directory removed when the test ends.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sealsync::testing {

// The bytes of the file at `path`; "" if it is missing or unreadable (a log
// not written yet reads as empty).
std::string ReadFile(const std::filesystem::path& path);

// Replaces the file at `path` with `data`, creating missing parent
// directories, and sets `perms` if given. Throws std::runtime_error when the
// file cannot be written, so a test never runs on a fixture that is not there.
void WriteFile(const std::filesystem::path& path, std::string_view data,
               std::optional<std::filesystem::perms> perms = std::nullopt);

// A fresh directory under $TMPDIR (or /tmp) named `<prefix>-XXXXXX`,
// removed with everything in it when the TempDir goes. Throws
// std::runtime_error when it cannot be made.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "sealsync-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string (the form most callers pass on).
  std::string operator/(std::string_view name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace sealsync::testing
