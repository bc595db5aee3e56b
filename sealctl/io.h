// File and stream helpers for sealctl commands.
#pragma once

#include <iosfwd>
#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::sealctl {

// Reads all of `path`, or of `in` when path is empty or "-".
Result<std::string> ReadInput(const std::string& path, std::istream& in);

// A read-only view of a whole input: a file is memory-mapped (no copy),
// stdin ("-" or empty path) is read into memory. Not copyable.
class InputBytes {
 public:
  static Result<InputBytes> Open(const std::string& path, std::istream& in);
  InputBytes(InputBytes&& other) noexcept;
  InputBytes& operator=(InputBytes&&) = delete;
  InputBytes(const InputBytes&) = delete;
  ~InputBytes();
  ByteView bytes() const { return view_; }

 private:
  InputBytes() = default;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::string owned_;
  ByteView view_;
};

// Writes `data` to a new file `path` with mode 0600; kAlreadyExists if the
// file exists (never overwrites a key).
Result<bool> WriteNewPrivateFile(const std::string& path,
                                 std::string_view data);

// Prints "sealctl: error: <message>" and returns 1.
int Fail(std::ostream& err, const Error& error);
int Fail(std::ostream& err, std::string_view message);

}  // namespace sealsync::sealctl
