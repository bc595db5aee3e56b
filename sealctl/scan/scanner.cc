#include "sealctl/scan/scanner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "lib/crypto/primitives.h"
#include "sealctl/scan/rules.h"
#include "sealctl/scan/secret_manifest.h"

namespace sealsync::sealctl::scan {
namespace {

constexpr size_t kBlock = 64 * 1024;
constexpr size_t kOverlap = 512;  // window overlap on long lines
constexpr size_t kMaxExcerpt = 160;
constexpr std::string_view kRedacted = "[REDACTED]";
constexpr std::string_view kFingerprintKey = "sealctl scan fingerprint v1";

std::string Fingerprint(std::string_view path, std::string_view rule,
                        std::string_view secret) {
  std::string input;
  input.append(path).push_back('\0');
  input.append(rule).push_back('\0');
  input.append(secret);
  uint8_t mac[32];
  crypto::HmacSha256(
      ByteView(reinterpret_cast<const uint8_t*>(kFingerprintKey.data()),
               kFingerprintKey.size()),
      ByteView(reinterpret_cast<const uint8_t*>(input.data()), input.size()),
      mac);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 8; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex;
}

// Printable ASCII only, trimmed, at most kMaxExcerpt bytes.
std::string Printable(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  s = b == s.npos ? std::string_view() : s.substr(b);
  std::string out;
  for (char c : s.substr(0, kMaxExcerpt)) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
  }
  if (s.size() > kMaxExcerpt) out += "...";
  return out;
}

bool IsManifestPath(std::string_view path) {
  for (std::string_view ext : {".yaml", ".yml", ".json"})
    if (path.ends_with(ext)) return true;
  return false;
}

class StreamScanner {
 public:
  explicit StreamScanner(const std::string& path)
      : path_(path), manifests_(IsManifestPath(path)) {}

  // One complete line (or window of a long one), without its terminator.
  void Line(std::string_view text, int number, bool window) {
    if (have_prev_) ScanLine(prev_, prev_number_, text);
    prev_.assign(text);
    prev_number_ = number;
    have_prev_ = true;
    if (manifests_ && !window) Document(text, number);
  }

  std::vector<Finding> Finish() {
    if (have_prev_) ScanLine(prev_, prev_number_, {});
    if (manifests_) EndDocument();
    for (Finding& f : manifest_findings_)
      if (!allowed_lines_.contains(f.line)) findings_.push_back(std::move(f));
    std::stable_sort(
        findings_.begin(), findings_.end(),
        [](const Finding& a, const Finding& b) { return a.line < b.line; });
    return std::move(findings_);
  }

 private:
  void ScanLine(std::string_view line, int number, std::string_view next) {
    if (line.find("sealctl:allow") != line.npos) {
      allowed_lines_.insert(number);
      return;
    }
    std::vector<LineMatch> matches = MatchLine(line, next);
    if (matches.empty()) return;
    // Keep the first (most specific) rule of overlapping matches.
    std::vector<LineMatch> kept;
    for (const LineMatch& m : matches) {
      bool overlaps = std::any_of(kept.begin(), kept.end(), [&](auto& k) {
        return m.begin < k.end && k.begin < m.end;
      });
      if (!overlaps) kept.push_back(m);
    }
    std::vector<LineMatch> spans = kept;
    std::sort(spans.begin(), spans.end(),
              [](auto& a, auto& b) { return a.begin < b.begin; });
    std::string redacted;
    size_t at = 0;
    for (const LineMatch& s : spans) {
      redacted.append(line.substr(at, s.begin - at));
      redacted.append(kRedacted);
      at = s.end;
    }
    redacted.append(line.substr(at));
    std::string excerpt = Printable(redacted);
    for (const LineMatch& m : kept) {
      std::string_view secret = line.substr(m.begin, m.end - m.begin);
      std::string fp = Fingerprint(path_, m.rule, secret);
      if (!seen_.insert(std::string(m.rule) + fp).second) continue;
      findings_.push_back(
          {path_, number, std::string(m.rule), excerpt, fp, ""});
    }
  }

  void Document(std::string_view text, int number) {
    if (text.starts_with("---")) {
      EndDocument();
      doc_start_ = number + 1;
      return;
    }
    if (doc_overflow_) return;
    if (doc_.size() + text.size() + 1 > kMaxDocument) {
      doc_overflow_ = true;  // too big for a Secret; line rules still ran
      doc_.clear();
      doc_.shrink_to_fit();
      return;
    }
    doc_.append(text).push_back('\n');
  }

  void EndDocument() {
    if (!doc_overflow_) {
      for (ManifestMatch& m : MatchSecretManifests(doc_)) {
        int line = doc_start_ + m.line - 1;
        manifest_findings_.push_back(
            {path_, line, std::string(kRulePlaintextSecret), m.excerpt,
             Fingerprint(path_, kRulePlaintextSecret, m.identity), ""});
      }
    }
    doc_.clear();
    doc_overflow_ = false;
  }

  std::string path_;
  bool manifests_;
  std::string prev_;
  int prev_number_ = 0;
  bool have_prev_ = false;
  std::string doc_;
  int doc_start_ = 1;
  bool doc_overflow_ = false;
  std::set<int> allowed_lines_;
  std::set<std::string> seen_;
  std::vector<Finding> findings_;
  std::vector<Finding> manifest_findings_;
};

}  // namespace

Result<StreamResult> ScanStream(const std::string& path, const ReadFn& read) {
  StreamResult result;
  StreamScanner scanner(path);
  std::vector<char> block(kBlock);
  std::string line;
  int number = 1;
  bool first = true;
  for (;;) {
    ssize_t n = read(block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(
          Error(ErrorCode::kUnavailable,
                "cannot read " + path + ": " + std::strerror(errno)));
    }
    if (n == 0) break;
    std::string_view data(block.data(), n);
    if (first && data.find('\0') != data.npos) {
      result.binary = true;
      return result;
    }
    first = false;
    while (!data.empty()) {
      size_t nl = data.find('\n');
      std::string_view part = data.substr(0, nl);
      // Fill the line up to kMaxLine; a longer line is scanned in windows.
      while (!part.empty()) {
        size_t room = kMaxLine - line.size();
        line.append(part.substr(0, room));
        part.remove_prefix(std::min(room, part.size()));
        if (line.size() == kMaxLine) {
          scanner.Line(line, number, true);
          line.erase(0, kMaxLine - kOverlap);
        }
      }
      if (nl == std::string_view::npos) break;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      scanner.Line(line, number, false);
      line.clear();
      ++number;
      data.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) scanner.Line(line, number, false);
  result.findings = scanner.Finish();
  return result;
}

Result<StreamResult> ScanFile(const std::string& path,
                              const std::string& shown) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return std::unexpected(
        Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
              "cannot open " + shown + ": " + std::strerror(errno)));
  auto result = ScanStream(
      shown, [fd](char* buf, size_t size) { return ::read(fd, buf, size); });
  close(fd);
  return result;
}

Result<std::vector<std::string>> CollectFiles(
    const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& root : paths) {
    std::error_code ec;
    fs::file_status st = fs::symlink_status(root, ec);
    if (ec || !fs::exists(st))
      return std::unexpected(
          Error(ErrorCode::kNotFound, root + ": no such file or directory"));
    if (fs::is_regular_file(st)) {
      files.push_back(root);
      continue;
    }
    if (!fs::is_directory(st)) continue;
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(
        root, fs::directory_options::skip_permission_denied, ec),
        end;
    if (ec)
      return std::unexpected(
          Error(ErrorCode::kUnavailable,
                "cannot read " + root + ": " + ec.message()));
    for (; it != end; it.increment(ec)) {
      if (ec)
        return std::unexpected(
            Error(ErrorCode::kUnavailable,
                  "cannot read " + root + ": " + ec.message()));
      const fs::directory_entry& e = *it;
      if (e.is_symlink(ec)) {
        if (e.is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (e.is_directory(ec) && e.path().filename() == ".git") {
        it.disable_recursion_pending();
        continue;
      }
      if (e.is_regular_file(ec)) found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace sealsync::sealctl::scan
