#include "operator/value_transforms.h"

#include "lib/base/base64.h"
#include "lib/kube/json_reader.h"
#include "operator/template_engine.h"
#include "sealsync/api.h"

namespace sealsync::op {
namespace {

using kube::Json;

auto Bad(const std::string& field, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, field + ": " + what);
}

std::optional<std::string> DecodeStd(std::string s) {
  auto b = Base64Decode(s);
  SecureWipe(s.data(), s.size());
  if (!b) return std::nullopt;
  std::string out(b->begin(), b->end());
  SecureWipe(b->data(), b->size());
  return out;
}

std::optional<std::string> DecodeUrl(std::string s) {
  for (char& c : s) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (c == '+' || c == '/')
      return std::nullopt;  // not the URL alphabet
  }
  return DecodeStd(std::move(s));
}

// "a.b\.c.0" -> {"a", "b.c", "0"}.
std::vector<std::string> SplitPath(const std::string& p) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size() && p[i + 1] == '.') {
      out.back() += '.';
      ++i;
    } else if (p[i] == '.') {
      out.emplace_back();
    } else {
      out.back() += p[i];
    }
  }
  return out;
}

// Go's Regexp.ReplaceAllString target ("$1", "${1}") in RE2's form ("\1");
// a backslash is literal in Go, so it is escaped.
std::string GoToRe2Target(const std::string& t) {
  std::string out;
  for (size_t j = 0; j < t.size(); ++j) {
    const char c = t[j];
    if (c == '$' && j + 1 < t.size() &&
        std::isdigit(static_cast<unsigned char>(t[j + 1]))) {
      out += '\\';
    } else if (c == '$' && j + 3 < t.size() && t[j + 1] == '{' &&
               std::isdigit(static_cast<unsigned char>(t[j + 2])) &&
               t[j + 3] == '}') {
      out += '\\';
      out += t[j + 2];
      j += 3;
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<Decoding> ParseDecoding(const Json& ref, const std::string& field) {
  if (!ref.is_object() || !ref.contains("decodingStrategy"))
    return Decoding::kNone;
  const Json& d = ref["decodingStrategy"];
  std::string s = d.is_string() ? d.get<std::string>() : "";
  if (s == "None") return Decoding::kNone;
  if (s == "Base64") return Decoding::kBase64;
  if (s == "Base64URL") return Decoding::kBase64Url;
  if (s == "Auto") return Decoding::kAuto;
  return Bad(field + ".decodingStrategy",
             "must be one of None, Base64, Base64URL, Auto");
}

Result<std::string> DecodeValue(const std::string& value, Decoding d,
                                const std::string& field) {
  switch (d) {
    case Decoding::kNone:
      return value;
    case Decoding::kBase64:
      if (auto v = DecodeStd(value)) return std::move(*v);
      return Bad(field, "decodingStrategy Base64: the value is not base64");
    case Decoding::kBase64Url:
      if (auto v = DecodeUrl(value)) return std::move(*v);
      return Bad(field,
                 "decodingStrategy Base64URL: the value is not base64url");
    case Decoding::kAuto:
      if (auto v = DecodeStd(value)) return std::move(*v);
      if (auto v = DecodeUrl(value)) return std::move(*v);
      return value;
  }
  return value;
}

Result<std::string> SelectProperty(const std::string& value,
                                   const std::string& property,
                                   const std::string& field) {
  auto parsed = kube::ReadJson(value);  // bounded nesting
  if (!parsed || !parsed->is_structured())
    return Bad(field, "the value is not a JSON object, so property \"" +
                          property + "\" cannot be selected");
  const Json* cur = &*parsed;
  auto found = [](const Json& j) -> std::string {
    return j.is_string() ? j.get<std::string>() : j.dump();
  };
  auto out = [&](const Json& j) { return found(j); };
  if (cur->is_object() && cur->contains(property)) return out((*cur)[property]);
  for (const std::string& part : SplitPath(property)) {
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end())
        cur = nullptr;
      else
        cur = &*it;
    } else if (cur->is_array() && !part.empty() && part.size() < 10 &&
               part.find_first_not_of("0123456789") == std::string::npos) {
      size_t n = std::stoul(part);
      cur = n < cur->size() ? &(*cur)[n] : nullptr;
    } else {
      cur = nullptr;
    }
    if (cur == nullptr)
      return MakeError(
          ErrorCode::kNotFound,
          field + ": property \"" + property + "\" not found in the value");
  }
  return out(*cur);
}

Result<std::vector<RewriteRule>> ParseRewrites(const Json& rewrite,
                                               const std::string& field) {
  std::vector<RewriteRule> rules;
  if (rewrite.is_null()) return rules;
  if (!rewrite.is_array() || rewrite.size() > kMaxRewrites)
    return Bad(field, "want a list of at most " + std::to_string(kMaxRewrites) +
                          " rules");
  for (size_t i = 0; i < rewrite.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    const Json& r = rewrite[i];
    RewriteRule rule;
    if (r.is_object() && r.contains("regexp") && r["regexp"].is_object()) {
      const Json& re = r["regexp"];
      std::string source = re.value("source", "");
      rule.target = re.value("target", "");
      if (source.empty()) return Bad(f + ".regexp.source", "missing");
      if (source.size() > kMaxRewritePatternLength ||
          rule.target.size() > kMaxRewritePatternLength)
        return Bad(f + ".regexp", "longer than " +
                                      std::to_string(kMaxRewritePatternLength) +
                                      " characters");
      RE2::Options opts;
      opts.set_log_errors(false);
      opts.set_max_mem(1 << 20);
      auto compiled = std::make_shared<const RE2>(source, opts);
      if (!compiled->ok())
        return Bad(f + ".regexp.source",
                   "not a valid regular expression (RE2 syntax): " +
                       compiled->error());
      rule.target = GoToRe2Target(rule.target);
      std::string why;
      if (!compiled->CheckRewriteString(rule.target, &why))
        return Bad(f + ".regexp.target", why);
      rule.source = std::move(compiled);
    } else if (r.is_object() && r.contains("transform") &&
               r["transform"].is_object()) {
      rule.transform = r["transform"].value("template", "");
      if (rule.transform.empty())
        return Bad(f + ".transform.template", "missing");
      if (rule.transform.size() > kMaxRewritePatternLength)
        return Bad(f + ".transform.template",
                   "longer than " + std::to_string(kMaxRewritePatternLength) +
                       " characters");
    } else {
      return Bad(f, "needs regexp {source, target} or transform {template}");
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<std::map<std::string, std::string>> ApplyRewrites(
    std::map<std::string, std::string> values,
    const std::vector<RewriteRule>& rules, const std::string& field) {
  if (rules.empty()) return values;
  std::map<std::string, std::string> out;
  for (auto& [key, value] : values) {
    std::string k = key;
    for (size_t i = 0; i < rules.size(); ++i) {
      const RewriteRule& r = rules[i];
      const std::string f = field + ".rewrite[" + std::to_string(i) + "]";
      if (r.source) {
        // ESO: ReplaceAllString over the key. RE2: linear time.
        RE2::GlobalReplace(&k, *r.source, r.target);
      } else {
        auto t = RenderGoTemplate(f + ".transform.template", r.transform,
                                  {{"value", k}});
        if (!t) return std::unexpected(t.error());
        k = std::move(*t);
      }
      if (k.size() > 253)
        return Bad(f, "rewrites key \"" + api::PrintableKey(key) +
                          "\" to more than 253 characters");
    }
    if (auto ok = api::ValidateSecretKey(k, field + ".rewrite: key \"" +
                                                api::PrintableKey(key) +
                                                "\" rewritten to");
        !ok)
      return std::unexpected(ok.error());
    if (out.contains(k))
      return Bad(field + ".rewrite",
                 "two keys are rewritten to \"" + api::PrintableKey(k) + "\"");
    out[k] = std::move(value);
  }
  return out;
}

}  // namespace sealsync::op
