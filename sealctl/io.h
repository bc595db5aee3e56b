// File and stream helpers for sealctl commands: every read and every write
// is checked, and errors name the path (never the data).
#pragma once

#include <sys/types.h>

#include <iosfwd>
#include <streambuf>
#include <string>

#include "sealsync/error.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::sealctl {

// Reads all of `path`, or of `in` when path is empty or "-". Errors name the
// path: kNotFound "cannot open PATH: No such file or directory",
// kPermissionDenied "cannot open PATH: Permission denied", kInvalidArgument
// "cannot read PATH: is a directory", kUnavailable for a read error.
Result<std::string> ReadInput(const std::string& path, std::istream& in);

// Opens `path` for reading: a file descriptor, or the same errors as
// ReadInput (a directory is refused).
Result<int> OpenForReading(const std::string& path);

// A read-only view of a whole input. A regular file is memory-mapped (no
// copy); anything else (stdin, a pipe, a FIFO) is read into one anonymous
// mapping that grows by moving pages (mremap), never by copying, so that
// holding an input of N bytes takes about N bytes. Not copyable.
class InputBytes {
 public:
  static Result<InputBytes> Open(const std::string& path, std::istream& in);
  InputBytes(InputBytes&& other) noexcept;
  InputBytes& operator=(InputBytes&&) = delete;
  InputBytes(const InputBytes&) = delete;
  ~InputBytes();
  ByteView bytes() const { return view_; }
  // Tells that `part` (of bytes()) will not be read again soon: for a mapped
  // file, its whole pages leave this process's resident memory (they stay in
  // the page cache, and a later read maps them again). No effect otherwise.
  void DoneWith(ByteView part) const;

 private:
  InputBytes() = default;
  void* map_ = nullptr;  // the file's mapping, or the anonymous buffer
  size_t map_size_ = 0;
  bool is_file_ = false;
  ByteView view_;
};

// Writes `data` to `path` so that it appears whole or not at all: into a
// temporary file in the same directory (mode `mode`), fsync'ed, then given
// the name `path` (and the directory fsync'ed). With `replace` it is renamed
// over an existing `path`; without, kAlreadyExists if `path` exists (never
// overwrites). On any failure the temporary file is removed and `path` is
// untouched. Errors name `path` and the cause (ENOSPC, EACCES, ...).
Result<void> WriteFileAtomically(const std::string& path, std::string_view data,
                                 mode_t mode, bool replace);

// Writes `data` to a new file `path` with mode 0600, atomically; kAlreadyExists
// if the file exists (never overwrites a key).
Result<void> WriteNewPrivateFile(const std::string& path,
                                 std::string_view data);

// An output stream buffer over a file descriptor (sealctl's stdout): write(2)
// with EINTR and short writes handled, and the first error's errno kept so
// that it can be reported (ENOSPC for /dev/full, EPIPE for a closed pipe when
// SIGPIPE is ignored). After an error every further write fails. Not
// thread-safe.
class FdOutBuf : public std::streambuf {
 public:
  explicit FdOutBuf(int fd);
  ~FdOutBuf() override;
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;
  // errno of the first failed write, 0 if none.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool WriteAll(const char* data, size_t size);
  bool Drain();
  int fd_;
  int error_ = 0;
  char buffer_[1 << 16];
};

// Flushes `out` (sealctl's stdout) and checks that everything written to it
// so far reached its destination: kUnavailable "cannot write to stdout:
// REASON" otherwise (REASON from FdOutBuf when that is the stream's buffer).
Result<void> FlushOutput(std::ostream& out);
// The error FlushOutput reports, for a stream already known to have failed.
Error OutputError(std::ostream& out);

// Prints "sealctl: error: <message>" and returns 1.
int Fail(std::ostream& err, const Error& error);
int Fail(std::ostream& err, std::string_view message);

}  // namespace sealsync::sealctl
