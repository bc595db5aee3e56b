#include "operator/template_engine.h"

#include <cctype>
#include <optional>
#include <vector>

#include "lib/base/base64.h"
#include "lib/kube/json_reader.h"
#include "operator/pem_filter.h"
#include "sealsync/api.h"
#include "sealsync/kube.h"
#include "sealsync/secure_bytes.h"

namespace sealsync::op {
namespace {

using kube::Json;

// Wipes every string inside `j` (values from the vault pass through here).
void Wipe(Json& j) {
  if (j.is_string()) {
    std::string& s = j.get_ref<std::string&>();
    SecureWipe(s.data(), s.size());
  } else if (j.is_structured()) {
    for (auto& v : j) Wipe(v);
  }
}

// A Json that is wiped when it goes away.
struct Val {
  Json j;
  Val() = default;
  explicit Val(Json v) : j(std::move(v)) {}
  Val(Val&& o) noexcept : j(std::move(o.j)) {}
  Val& operator=(Val&& o) noexcept {
    Wipe(j);
    j = std::move(o.j);
    return *this;
  }
  ~Val() { Wipe(j); }
};

std::string AsText(const Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

bool Empty(const Json& j) {
  if (j.is_null()) return true;
  if (j.is_string()) return j.get_ref<const std::string&>().empty();
  if (j.is_boolean()) return !j.get<bool>();
  if (j.is_number()) return j == 0;
  return j.empty();
}

// Go's strconv.Quote for the characters a secret value may hold.
std::string GoQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string ReplaceAll(std::string s, const std::string& from,
                       const std::string& to) {
  if (from.empty()) return s;
  std::string out;
  size_t last = 0;
  for (size_t at = s.find(from); at != std::string::npos;
       at = s.find(from, last)) {
    out.append(s, last, at - last);
    out += to;
    last = at + from.size();
  }
  out.append(s, last, std::string::npos);
  SecureWipe(s.data(), s.size());
  return out;
}

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
         c == '-';
}

class Renderer {
 public:
  Renderer(const std::string& field, const std::string& text,
           const std::map<std::string, std::string>& values)
      : field_(field), s_(text), values_(values) {}

  Result<std::string> Run() {
    if (s_.size() > kMaxTemplateBytes)
      return Fail(ErrorCode::kResourceExhausted,
                  "template longer than " + std::to_string(kMaxTemplateBytes) +
                      " bytes");
    std::string out;
    size_t pos = 0;
    while (pos < s_.size()) {
      size_t open = s_.find("{{", pos);
      std::string text = s_.substr(
          pos, open == std::string::npos ? std::string::npos : open - pos);
      if (open == std::string::npos) {
        out += text;
        break;
      }
      i_ = open + 2;
      if (i_ < s_.size() && s_[i_] == '-' && i_ + 1 < s_.size() &&
          std::isspace(static_cast<unsigned char>(s_[i_ + 1]))) {
        while (!text.empty() &&
               std::isspace(static_cast<unsigned char>(text.back())))
          text.pop_back();
        ++i_;
      }
      out += text;
      Skip();
      auto v = Pipeline(0);
      if (!v) return Abandon(out, v.error());
      Skip();
      bool trim_right = false;
      if (At("-}}")) {
        trim_right = true;
        i_ += 3;
      } else if (At("}}")) {
        i_ += 2;
      } else {
        return Abandon(out, Syntax("expected }}"));
      }
      std::string piece = AsText(v->j);
      out += piece;
      SecureWipe(piece.data(), piece.size());
      if (out.size() > kMaxRenderedBytes)
        return Abandon(out,
                       Fail(ErrorCode::kResourceExhausted,
                            "renders to more than " +
                                std::to_string(kMaxRenderedBytes) + " bytes")
                           .error());
      pos = i_;
      if (trim_right)
        while (pos < s_.size() &&
               std::isspace(static_cast<unsigned char>(s_[pos])))
          ++pos;
    }
    return out;
  }

 private:
  std::unexpected<Error> Fail(ErrorCode c, const std::string& what) const {
    return std::unexpected(Error(c, field_ + ": " + what));
  }
  Error Syntax(const std::string& what) const {
    return Error(ErrorCode::kInvalidArgument,
                 field_ + ": template syntax at offset " + std::to_string(i_) +
                     ": " + what);
  }
  std::unexpected<Error> Abandon(std::string& out, const Error& e) {
    SecureWipe(out.data(), out.size());
    return std::unexpected(e);
  }
  bool At(std::string_view t) const { return s_.compare(i_, t.size(), t) == 0; }
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
      ++i_;
  }
  bool EndOfCommand() const {
    return i_ >= s_.size() || At("}}") || At("-}}") || s_[i_] == '|' ||
           s_[i_] == ')';
  }

  // pipeline := command ('|' command)*
  Result<Val> Pipeline(int depth) {
    if (depth > kMaxTemplateDepth)
      return Fail(
          ErrorCode::kResourceExhausted,
          "template nested deeper than " + std::to_string(kMaxTemplateDepth));
    auto v = Command(depth, std::nullopt);
    if (!v) return v;
    Skip();
    while (i_ < s_.size() && s_[i_] == '|') {
      ++i_;
      Skip();
      Val prev = std::move(*v);
      v = Command(depth, std::move(prev));
      if (!v) return v;
      Skip();
    }
    return v;
  }

  // command := operand | name arg* ; `piped` is appended as the last arg.
  Result<Val> Command(int depth, std::optional<Val> piped) {
    if (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) {
      size_t start = i_;
      while (
          i_ < s_.size() &&
          (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_'))
        ++i_;
      std::string name = s_.substr(start, i_ - start);
      std::vector<Val> args;
      Skip();
      while (!EndOfCommand()) {
        auto a = Operand(depth);
        if (!a) return std::unexpected(a.error());
        args.push_back(std::move(*a));
        Skip();
      }
      if (piped) args.push_back(std::move(*piped));
      return Call(name, args);
    }
    auto v = Operand(depth);
    if (!v) return v;
    Skip();
    if (piped) return std::unexpected(Syntax("a value cannot take a pipe"));
    if (!EndOfCommand())
      return std::unexpected(Syntax("a value cannot take arguments"));
    return v;
  }

  Result<Val> Operand(int depth) {
    if (i_ >= s_.size()) return std::unexpected(Syntax("unexpected end"));
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      Skip();
      auto v = Pipeline(depth + 1);
      if (!v) return v;
      Skip();
      if (i_ >= s_.size() || s_[i_] != ')')
        return std::unexpected(Syntax("expected )"));
      ++i_;
      return v;
    }
    if (c == '.') {
      size_t start = ++i_;
      while (i_ < s_.size() && IsNameChar(s_[i_])) ++i_;
      std::string name = s_.substr(start, i_ - start);
      if (name.empty()) {
        Json all = Json::object();
        for (const auto& [k, v] : values_) all[k] = v;
        return Val(std::move(all));
      }
      auto it = values_.find(name);
      if (it == values_.end())
        return Fail(ErrorCode::kInvalidArgument,
                    "template refers to \"" + api::PrintableKey(name) +
                        "\", which is not among the fetched keys");
      return Val(Json(it->second));
    }
    if (c == '"' || c == '`') return String(c);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      size_t start = i_++;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])))
        ++i_;
      if (i_ - start > 9) return std::unexpected(Syntax("number too large"));
      return Val(Json(std::stoll(s_.substr(start, i_ - start))));
    }
    if (std::isalpha(static_cast<unsigned char>(c)))
      return std::unexpected(
          Syntax("a function call as an argument needs ( )"));
    return std::unexpected(Syntax("unexpected character"));
  }

  Result<Val> String(char quote) {
    std::string out;
    ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (quote == '"' && c == '\\' && i_ < s_.size()) {
        char e = s_[i_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '\\':
            out += '\\';
            break;
          case '"':
            out += '"';
            break;
          default:
            return std::unexpected(Syntax("unknown escape"));
        }
      } else if (quote == '"' && c == '\n') {
        return std::unexpected(Syntax("newline in string"));
      } else {
        out += c;
      }
    }
    if (i_ >= s_.size()) return std::unexpected(Syntax("unterminated string"));
    ++i_;
    return Val(Json(std::move(out)));
  }

  Result<Val> Call(const std::string& name, std::vector<Val>& a) {
    auto want = [&](size_t n) -> Result<void> {
      if (a.size() == n) return {};
      return Fail(ErrorCode::kInvalidArgument,
                  "function " + name + " wants " + std::to_string(n) +
                      " argument(s), got " + std::to_string(a.size()));
    };
    auto str = [&](size_t k) { return AsText(a[k].j); };
    auto text = [&](std::string s) { return Val(Json(std::move(s))); };
    static const char* kUnsupported[] = {
        "pkcs12key",       "pkcs12cert",
        "pkcs12keyPass",   "pkcs12certPass",
        "pemToPkcs12",     "pemToPkcs12Pass",
        "fullPemToPkcs12", "fullPemToPkcs12Pass",
        "jwkPublicKeyPem", "jwkPrivateKeyPem",
        "toYaml",          "fromYaml"};
    for (const char* u : kUnsupported)
      if (name == u)
        return Fail(ErrorCode::kInvalidArgument,
                    "template function " + name +
                        " is not supported by sealsync (docs/user-guide.md)");
    if (name == "b64enc") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      return text(Base64Encode(AsBytes(str(0))));
    }
    if (name == "b64dec") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      auto d = Base64Decode(str(0));
      if (!d)
        return Fail(ErrorCode::kInvalidArgument,
                    "b64dec: the value is not base64");
      std::string s(d->begin(), d->end());
      SecureWipe(d->data(), d->size());
      return text(std::move(s));
    }
    if (name == "filterPEM") {
      if (auto w = want(2); !w) return std::unexpected(w.error());
      auto f = FilterPem(str(0), str(1));
      if (!f) return std::unexpected(f.error());
      return text(std::move(*f));
    }
    if (name == "toJson") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      return text(a[0].j.dump());
    }
    if (name == "fromJson") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      auto j = kube::ReadJson(str(0));  // bounded nesting
      // sprig's fromJson gives an empty value on bad input (mustFromJson
      // would fail).
      return Val(j ? std::move(*j) : Json::object());
    }
    if (name == "toString") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      return text(str(0));
    }
    if (name == "lower" || name == "upper") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      std::string s = str(0);
      for (char& c : s)
        c = name == "lower" ? std::tolower(static_cast<unsigned char>(c))
                            : std::toupper(static_cast<unsigned char>(c));
      return text(std::move(s));
    }
    if (name == "trim") {
      if (auto w = want(1); !w) return std::unexpected(w.error());
      std::string s = str(0);
      size_t b = 0, e = s.size();
      while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
      while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
      return text(s.substr(b, e - b));
    }
    if (name == "trimPrefix" || name == "trimSuffix") {
      if (auto w = want(2); !w) return std::unexpected(w.error());
      std::string fix = str(0), s = str(1);
      if (name == "trimPrefix" && s.starts_with(fix)) s.erase(0, fix.size());
      if (name == "trimSuffix" && s.ends_with(fix))
        s.erase(s.size() - fix.size());
      return text(std::move(s));
    }
    if (name == "quote" || name == "squote") {
      if (a.empty())
        return Fail(ErrorCode::kInvalidArgument,
                    "function " + name + " wants an argument");
      std::string out;
      for (size_t k = 0; k < a.size(); ++k) {
        if (k) out += ' ';
        out += name == "quote" ? GoQuote(str(k)) : "'" + str(k) + "'";
      }
      return text(std::move(out));
    }
    if (name == "replace") {
      if (auto w = want(3); !w) return std::unexpected(w.error());
      std::string from = str(0), to = str(1), src = str(2);
      size_t n = 0;
      if (!from.empty())
        for (size_t at = src.find(from); at != std::string::npos;
             at = src.find(from, at + from.size()))
          ++n;
      if (src.size() + n * to.size() > kMaxRenderedBytes) {
        SecureWipe(src.data(), src.size());
        return Fail(ErrorCode::kResourceExhausted,
                    "replace renders to more than " +
                        std::to_string(kMaxRenderedBytes) + " bytes");
      }
      return text(ReplaceAll(std::move(src), from, to));
    }
    if (name == "default") {
      if (auto w = want(2); !w) return std::unexpected(w.error());
      return Empty(a[1].j) ? std::move(a[0]) : std::move(a[1]);
    }
    if (name == "indent" || name == "nindent") {
      if (auto w = want(2); !w) return std::unexpected(w.error());
      if (!a[0].j.is_number_integer() || a[0].j.get<int64_t>() < 0 ||
          a[0].j.get<int64_t>() > kMaxIndent)
        return Fail(
            ErrorCode::kInvalidArgument,
            name + " wants a width from 0 to " + std::to_string(kMaxIndent));
      std::string pad(a[0].j.get<size_t>(), ' '), s = str(1);
      size_t lines = 1;
      for (char c : s) lines += c == '\n';
      if (s.size() + lines * pad.size() > kMaxRenderedBytes)
        return Fail(ErrorCode::kResourceExhausted,
                    name + " renders to more than " +
                        std::to_string(kMaxRenderedBytes) + " bytes");
      std::string out = (name == "nindent" ? "\n" : "") + pad +
                        ReplaceAll(std::move(s), "\n", "\n" + pad);
      return text(std::move(out));
    }
    if (name == "index") {
      if (a.size() < 2)
        return Fail(ErrorCode::kInvalidArgument,
                    "function index wants a value and keys");
      Val cur(a[0].j);
      for (size_t k = 1; k < a.size(); ++k) {
        if (cur.j.is_object() && a[k].j.is_string()) {
          auto it = cur.j.find(a[k].j.get<std::string>());
          cur = Val(it == cur.j.end() ? Json() : Json(*it));
        } else if (cur.j.is_array() && a[k].j.is_number_integer()) {
          int64_t n = a[k].j.get<int64_t>();
          if (n < 0 || static_cast<size_t>(n) >= cur.j.size())
            return Fail(ErrorCode::kInvalidArgument, "index out of range");
          cur = Val(Json(cur.j[n]));
        } else {
          return Fail(ErrorCode::kInvalidArgument,
                      "index: cannot index that value");
        }
      }
      return Val(std::move(cur));
    }
    return Fail(ErrorCode::kInvalidArgument,
                "template function " + api::PrintableKey(name) +
                    " is unknown (supported: b64enc b64dec toJson fromJson "
                    "toString lower upper trim trimPrefix trimSuffix quote "
                    "squote replace default indent nindent index)");
  }

  const std::string& field_;
  const std::string& s_;
  const std::map<std::string, std::string>& values_;
  size_t i_ = 0;
};

}  // namespace

Result<std::string> RenderGoTemplate(
    const std::string& field, const std::string& tmpl,
    const std::map<std::string, std::string>& values) {
  return Renderer(field, tmpl, values).Run();
}

}  // namespace sealsync::op
