#include "sealctl/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

namespace sealsync::sealctl {

namespace {

// Appends everything `in` yields to `out`, 1 MiB at a time.
void ReadAll(std::istream& in, std::string& out) {
  constexpr size_t kBlock = 1 << 20;
  while (in) {
    size_t at = out.size();
    out.resize(at + kBlock);
    in.read(out.data() + at, kBlock);
    out.resize(at + static_cast<size_t>(in.gcount()));
  }
}

}  // namespace

Result<std::string> ReadInput(const std::string& path, std::istream& in) {
  std::string data;
  if (path.empty() || path == "-") {
    ReadAll(in, data);
    return data;
  }
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) {
    return MakeError(ErrorCode::kNotFound,
                     "cannot open " + path + ": " + std::strerror(errno));
  }
  std::streamoff size = f.tellg();
  f.seekg(0);
  if (size > 0) data.reserve(static_cast<size_t>(size) + 1);
  ReadAll(f, data);
  return data;
}

Result<bool> WriteNewPrivateFile(const std::string& path, std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    ErrorCode code = errno == EEXIST ? ErrorCode::kAlreadyExists
                                     : ErrorCode::kPermissionDenied;
    return MakeError(code, "cannot create " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return MakeError(ErrorCode::kUnavailable, "cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return MakeError(ErrorCode::kUnavailable, "cannot write " + path);
  return true;
}

int Fail(std::ostream& err, const Error& error) { return Fail(err, error.message()); }

int Fail(std::ostream& err, std::string_view message) {
  err << "sealctl: error: " << message << "\n";
  return 1;
}

}  // namespace sealsync::sealctl
