#include "sealctl/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

Result<InputBytes> InputBytes::Open(const std::string& path, std::istream& in) {
  InputBytes out;
  if (path.empty() || path == "-") {
    ReadAll(in, out.owned_);
    out.view_ = AsBytes(out.owned_);
    return out;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kNotFound,
                     "cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    // Not a regular file (a pipe, say): read it instead.
    ::close(fd);
    auto data = ReadInput(path, in);
    if (!data) return std::unexpected(data.error());
    out.owned_ = std::move(*data);
    out.view_ = AsBytes(out.owned_);
    return out;
  }
  if (st.st_size > 0) {
    void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      return MakeError(ErrorCode::kUnavailable, "cannot map " + path);
    }
    out.map_ = m;
    out.map_size_ = static_cast<size_t>(st.st_size);
    out.view_ = ByteView(static_cast<const uint8_t*>(m), out.map_size_);
  }
  ::close(fd);
  return out;
}

InputBytes::InputBytes(InputBytes&& other) noexcept
    : map_(other.map_),
      map_size_(other.map_size_),
      owned_(std::move(other.owned_)),
      view_(other.map_ ? other.view_ : AsBytes(owned_)) {
  other.map_ = nullptr;
  other.map_size_ = 0;
  other.view_ = {};
}

InputBytes::~InputBytes() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
  SecureWipe(owned_.data(), owned_.size());
}

Result<bool> WriteNewPrivateFile(const std::string& path,
                                 std::string_view data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    ErrorCode code = errno == EEXIST ? ErrorCode::kAlreadyExists
                                     : ErrorCode::kPermissionDenied;
    return MakeError(code,
                     "cannot create " + path + ": " + std::strerror(errno));
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
  if (::close(fd) != 0)
    return MakeError(ErrorCode::kUnavailable, "cannot write " + path);
  return true;
}

int Fail(std::ostream& err, const Error& error) {
  return Fail(err, error.message());
}

int Fail(std::ostream& err, std::string_view message) {
  err << "sealctl: error: " << message << "\n";
  return 1;
}

}  // namespace sealsync::sealctl
