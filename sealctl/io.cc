#include "sealctl/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace sealsync::sealctl {

Result<std::string> ReadInput(const std::string& path, std::istream& in) {
  std::ostringstream buf;
  if (path.empty() || path == "-") {
    buf << in.rdbuf();
    return buf.str();
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return MakeError(ErrorCode::kNotFound,
                     "cannot open " + path + ": " + std::strerror(errno));
  }
  buf << f.rdbuf();
  return buf.str();
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
