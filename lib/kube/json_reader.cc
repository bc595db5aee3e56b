#include "lib/kube/json_reader.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "lib/base/text.h"
#include "lib/base/utf8.h"

namespace sealsync::kube {
namespace {

using Json = nlohmann::json;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A recursive-descent reader over [p_, end_). Every method returns false on
// invalid input; `out` is then unspecified.
class Reader {
 public:
  explicit Reader(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  bool Document(Json& out) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    // Json::parse reads a NUL byte as the end of input; so does this.
    return p_ == end_ || *p_ == '\0';
  }

 private:
  void SkipSpace() {
    while (p_ < end_ &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // `depth`: arrays/objects enclosing this value.
  bool Value(Json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"': {
        std::string s;
        if (!String(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        out = true;
        return Literal("true");
      case 'f':
        out = false;
        return Literal("false");
      case 'n':
        out = nullptr;
        return Literal("null");
      default:
        return Number(out);
    }
  }

  bool Object(Json& out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++p_;  // '{'
    out = Json::object();
    auto& members = out.get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') return false;
      std::string key;
      if (!String(key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      // A repeated key: the last value wins (it replaces the slot).
      if (!Value(members[std::move(key)], depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_++ != ',') return false;
    }
  }

  bool Array(Json& out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++p_;  // '['
    out = Json::array();
    auto& items = out.get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      items.emplace_back();
      if (!Value(items.back(), depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_++ != ',') return false;
    }
  }

  // At the opening quote; appends the decoded string to `s`.
  bool String(std::string& s) {
    ++p_;
    while (true) {
      const char* run = p_;
      while (p_ < end_) {
        auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      s.append(run, p_);
      if (p_ == end_) return false;
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return false;  // control characters must be escaped
      if (!(c == '\\' ? Escape(s) : Utf8(s))) return false;
    }
  }

  // One UTF-8 sequence as RFC 3629 allows it (no overlong forms, no
  // surrogates, nothing above U+10FFFF).
  bool Utf8(std::string& s) {
    auto byte = [this](size_t i) {
      return static_cast<unsigned>(static_cast<unsigned char>(p_[i]));
    };
    unsigned lead = byte(0), lo = 0x80, hi = 0xBF;
    size_t n;
    if (lead >= 0xC2 && lead <= 0xDF) {
      n = 2;
    } else if (lead == 0xE0) {
      n = 3, lo = 0xA0;
    } else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) {
      n = 3;
    } else if (lead == 0xED) {
      n = 3, hi = 0x9F;
    } else if (lead == 0xF0) {
      n = 4, lo = 0x90;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      n = 4;
    } else if (lead == 0xF4) {
      n = 4, hi = 0x8F;
    } else {
      return false;
    }
    if (static_cast<size_t>(end_ - p_) < n) return false;
    if (byte(1) < lo || byte(1) > hi) return false;
    for (size_t i = 2; i < n; ++i) {
      if (byte(i) < 0x80 || byte(i) > 0xBF) return false;
    }
    s.append(p_, n);
    p_ += n;
    return true;
  }

  // Four hex digits; -1 if they are not.
  int32_t Hex4() {
    if (end_ - p_ < 4) return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = HexValue(*p_++);
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    return v;
  }

  // At the backslash.
  bool Escape(std::string& s) {
    ++p_;
    if (p_ == end_) return false;
    switch (*p_++) {
      case '"':
        s += '"';
        return true;
      case '\\':
        s += '\\';
        return true;
      case '/':
        s += '/';
        return true;
      case 'b':
        s += '\b';
        return true;
      case 'f':
        s += '\f';
        return true;
      case 'n':
        s += '\n';
        return true;
      case 'r':
        s += '\r';
        return true;
      case 't':
        s += '\t';
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    int32_t cp = Hex4();
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // needs its low surrogate
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      int32_t low = Hex4();
      if (low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(s, static_cast<uint32_t>(cp));
    return true;
  }

  // Integers that fit are uint64 (non-negative) or int64 (negative), as
  // Json::parse makes them; anything else is a double, and one that
  // overflows is invalid.
  bool Number(Json& out) {
    const char* start = p_;
    bool negative = *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (integer) {
      uint64_t v = 0;
      bool overflow = false;
      for (const char* d = start + (negative ? 1 : 0); d < p_; ++d) {
        auto digit = static_cast<uint64_t>(*d - '0');
        if (v > (UINT64_MAX - digit) / 10) {
          overflow = true;
          break;
        }
        v = v * 10 + digit;
      }
      if (!overflow && !negative) {
        out = v;
        return true;
      }
      if (!overflow && v <= (uint64_t{1} << 63)) {
        out = static_cast<int64_t>(uint64_t{0} - v);
        return true;
      }
    }
    std::string token(start, p_);  // strtod needs the terminator
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) return false;
    out = d;
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<nlohmann::json> ReadJson(std::string_view text) {
  Json out;
  if (!Reader(text).Document(out)) return std::nullopt;
  return out;
}

}  // namespace sealsync::kube
