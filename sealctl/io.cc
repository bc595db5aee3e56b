#include "sealctl/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>

namespace sealsync::sealctl {

namespace {

constexpr size_t kBlock = 1 << 20;

// Appends everything `in` yields to `out`, 1 MiB at a time.
void ReadAll(std::istream& in, std::string& out) {
  while (in) {
    size_t at = out.size();
    out.resize(at + kBlock);
    in.read(out.data() + at, kBlock);
    out.resize(at + static_cast<size_t>(in.gcount()));
  }
}

Error ErrnoError(int e, std::string_view what, const std::string& path) {
  ErrorCode code = e == ENOENT                 ? ErrorCode::kNotFound
                   : e == EACCES || e == EPERM ? ErrorCode::kPermissionDenied
                   : e == EEXIST               ? ErrorCode::kAlreadyExists
                   : e == EISDIR               ? ErrorCode::kInvalidArgument
                                               : ErrorCode::kUnavailable;
  const char* why = e == EISDIR ? "is a directory" : std::strerror(e);
  return Error(code, std::string(what) + " " + path + ": " + why);
}

// Reads `fd` to its end into `out`; the errno of a failed read, else 0.
int ReadFd(int fd, std::string& out) {
  while (true) {
    size_t at = out.size();
    out.resize(at + kBlock);
    ssize_t n = ::read(fd, out.data() + at, kBlock);
    if (n < 0 && errno == EINTR) {
      out.resize(at);
      continue;
    }
    out.resize(at + static_cast<size_t>(n < 0 ? 0 : n));
    if (n < 0) return errno;
    if (n == 0) return 0;
  }
}

bool WriteFd(int fd, const char* data, size_t size, int* error) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = errno;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<int> OpenForReading(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot open", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return std::unexpected(ErrnoError(e, "cannot read", path));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return std::unexpected(ErrnoError(EISDIR, "cannot read", path));
  }
  return fd;
}

Result<std::string> ReadInput(const std::string& path, std::istream& in) {
  std::string data;
  if (path.empty() || path == "-") {
    ReadAll(in, data);
    if (in.bad()) {
      SecureWipe(data.data(), data.size());
      return MakeError(ErrorCode::kUnavailable, "cannot read stdin");
    }
    return data;
  }
  auto fd = OpenForReading(path);
  if (!fd) return std::unexpected(fd.error());
  int e = ReadFd(*fd, data);
  ::close(*fd);
  if (e != 0) {
    SecureWipe(data.data(), data.size());
    return std::unexpected(ErrnoError(e, "cannot read", path));
  }
  return data;
}

namespace {

// Reads everything from `read_some` (returns bytes read, 0 at the end, -1
// with errno set on error) into an anonymous mapping grown with mremap.
// Sets *map and *size (the mapping's size; *used the bytes read); the errno
// of a failed read or mapping, else 0.
template <typename ReadSome>
int ReadIntoMapping(ReadSome read_some, void** map, size_t* size,
                    size_t* used) {
  size_t cap = 4 * kBlock;
  void* m = ::mmap(nullptr, cap, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return errno;
  size_t n = 0;
  while (true) {
    if (cap - n < kBlock) {
      void* grown = ::mremap(m, cap, 2 * cap, MREMAP_MAYMOVE);
      if (grown == MAP_FAILED) {
        int e = errno;
        ::munmap(m, cap);
        return e;
      }
      m = grown;
      cap *= 2;
    }
    ssize_t got = read_some(static_cast<char*>(m) + n, cap - n);
    if (got < 0) {
      int e = errno;
      ::munmap(m, cap);
      return e;
    }
    if (got == 0) break;
    n += static_cast<size_t>(got);
  }
  *map = m;
  *size = cap;
  *used = n;
  return 0;
}

}  // namespace

Result<InputBytes> InputBytes::Open(const std::string& path, std::istream& in) {
  InputBytes out;
  size_t used = 0;
  if (path.empty() || path == "-") {
    int e = ReadIntoMapping(
        [&](char* p, size_t n) -> ssize_t {
          if (!in) return 0;
          in.read(p, static_cast<std::streamsize>(n));
          if (in.bad()) {
            errno = EIO;
            return -1;
          }
          return static_cast<ssize_t>(in.gcount());
        },
        &out.map_, &out.map_size_, &used);
    if (e != 0) return MakeError(ErrorCode::kUnavailable, "cannot read stdin");
    out.view_ = ByteView(static_cast<const uint8_t*>(out.map_), used);
    return out;
  }
  auto fd = OpenForReading(path);
  if (!fd) return std::unexpected(fd.error());
  struct stat st {};
  if (::fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    // Not a regular file (a pipe, say): read it instead.
    int e = ReadIntoMapping(
        [&](char* p, size_t n) -> ssize_t {
          while (true) {
            ssize_t got = ::read(*fd, p, std::min(n, size_t{1} << 30));
            if (got < 0 && errno == EINTR) continue;
            return got;
          }
        },
        &out.map_, &out.map_size_, &used);
    ::close(*fd);
    if (e != 0) return std::unexpected(ErrnoError(e, "cannot read", path));
    out.view_ = ByteView(static_cast<const uint8_t*>(out.map_), used);
    return out;
  }
  if (st.st_size > 0) {
    void* m = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ,
                     MAP_PRIVATE, *fd, 0);
    if (m == MAP_FAILED) {
      int e = errno;
      ::close(*fd);
      return std::unexpected(ErrnoError(e, "cannot map", path));
    }
    out.map_ = m;
    out.map_size_ = static_cast<size_t>(st.st_size);
    out.is_file_ = true;
    out.view_ = ByteView(static_cast<const uint8_t*>(m), out.map_size_);
    // Read front to back, once or twice.
    ::madvise(m, out.map_size_, MADV_SEQUENTIAL);
  }
  ::close(*fd);
  return out;
}

void InputBytes::DoneWith(ByteView part) const {
  if (!is_file_ || part.empty() || part.data() < view_.data() ||
      part.data() + part.size() > view_.data() + view_.size()) {
    return;  // not a part of this mapped file
  }
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  auto begin = reinterpret_cast<uintptr_t>(part.data());
  auto end = begin + part.size();
  begin = (begin + page - 1) / page * page;  // whole pages inside `part`
  end = end / page * page;
  if (end > begin) {
    ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
}

InputBytes::InputBytes(InputBytes&& other) noexcept
    : map_(other.map_),
      map_size_(other.map_size_),
      is_file_(other.is_file_),
      view_(other.view_) {
  other.map_ = nullptr;
  other.map_size_ = 0;
  other.view_ = {};
}

// An anonymous buffer's pages go back to the kernel, which zeroes them
// before anyone else gets them.
InputBytes::~InputBytes() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view data,
                                 mode_t mode, bool replace) {
  std::string dir = DirName(path);
  std::string tmp = path + ".tmp-XXXXXX";
  // mkstemp: O_EXCL, mode 0600 from the start, so a private key is never
  // readable by others, not even for a moment.
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return std::unexpected(ErrnoError(errno, "cannot create", path));
  int e = 0;
  bool ok = (mode == 0600 || ::fchmod(fd, mode) == 0 || (e = errno, false)) &&
            WriteFd(fd, data.data(), data.size(), &e) &&
            (::fsync(fd) == 0 || (e = errno, false));
  if (::close(fd) != 0 && ok) {
    e = errno;
    ok = false;
  }
  if (ok) {
    if (replace) {
      if (::rename(tmp.c_str(), path.c_str()) != 0) {
        e = errno;
        ok = false;
      }
    } else if (::link(tmp.c_str(), path.c_str()) != 0) {
      // link() fails with EEXIST if `path` exists: never overwrites.
      e = errno;
      ok = false;
    }
  }
  if (!ok || !replace) ::unlink(tmp.c_str());
  if (!ok) {
    return std::unexpected(
        ErrnoError(e, e == EEXIST ? "cannot create" : "cannot write", path));
  }
  // The new name is durable once the directory is.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

Result<void> WriteNewPrivateFile(const std::string& path,
                                 std::string_view data) {
  return WriteFileAtomically(path, data, 0600, /*replace=*/false);
}

FdOutBuf::FdOutBuf(int fd) : fd_(fd) {
  setp(buffer_, buffer_ + sizeof buffer_);
}

FdOutBuf::~FdOutBuf() { Drain(); }

bool FdOutBuf::Drain() {
  size_t n = static_cast<size_t>(pptr() - pbase());
  setp(buffer_, buffer_ + sizeof buffer_);
  if (error_ != 0) return false;
  return WriteAll(buffer_, n);
}

bool FdOutBuf::WriteAll(const char* data, size_t size) {
  if (error_ != 0) return false;
  return WriteFd(fd_, data, size, &error_);
}

FdOutBuf::int_type FdOutBuf::overflow(int_type ch) {
  if (!Drain()) return traits_type::eof();
  if (traits_type::eq_int_type(ch, traits_type::eof()))
    return traits_type::not_eof(ch);
  *pptr() = traits_type::to_char_type(ch);
  pbump(1);
  return ch;
}

std::streamsize FdOutBuf::xsputn(const char* s, std::streamsize n) {
  if (error_ != 0) return 0;
  auto size = static_cast<size_t>(n);
  if (size <= static_cast<size_t>(epptr() - pptr())) {
    std::memcpy(pptr(), s, size);
    pbump(static_cast<int>(size));
    return n;
  }
  if (!Drain() || !WriteAll(s, size)) return 0;
  return n;
}

int FdOutBuf::sync() { return Drain() ? 0 : -1; }

Result<void> FlushOutput(std::ostream& out) {
  out.flush();
  if (out) return {};
  return std::unexpected(OutputError(out));
}

Error OutputError(std::ostream& out) {
  std::string why = "write error";
  if (auto* fd_buf = dynamic_cast<FdOutBuf*>(out.rdbuf());
      fd_buf != nullptr && fd_buf->error() != 0) {
    why = std::strerror(fd_buf->error());
  }
  return Error(ErrorCode::kUnavailable, "cannot write to stdout: " + why);
}

int Fail(std::ostream& err, const Error& error) {
  return Fail(err, error.message());
}

int Fail(std::ostream& err, std::string_view message) {
  err << "sealctl: error: " << message << "\n";
  return 1;
}

}  // namespace sealsync::sealctl
