#include "sealctl/scan/rules.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <functional>
#include <memory>

#include "lib/base/base64.h"
#include "sealctl/scan/sealed_values.h"
#include "sealsync/age.h"

namespace sealsync::sealctl::scan {
namespace {

bool IsBase64Url(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// A JWT's header decodes to a JSON object naming "alg".
bool ValidJwt(std::string_view token) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view header = token.substr(0, dot);
  if (!std::all_of(header.begin(), header.end(), IsBase64Url)) return false;
  std::string std64(header);
  std::replace(std64.begin(), std64.end(), '-', '+');
  std::replace(std64.begin(), std64.end(), '_', '/');
  auto bytes = Base64DecodeRaw(std64);
  if (!bytes) return false;
  std::string_view json(reinterpret_cast<const char*>(bytes->data()),
                        bytes->size());
  return json.starts_with("{") && json.find("\"alg\"") != json.npos;
}

// Key material follows a PEM BEGIN line: on the same line after it (JSON
// strings with "\n") or on the next line.
bool PemBodyFollows(std::string_view rest, std::string_view next) {
  static const RE2 kBody(
      R"re(^(?:\\n|\s)*(?:Proc-Type:|[A-Za-z0-9+/=]{40}))re");
  return RE2::PartialMatch(rest, kBody) || RE2::PartialMatch(next, kBody);
}

// Looks like an identifier, not a credential: UUIDs, words joined by - _ .
bool IsIdentifierLike(std::string_view v) {
  static const RE2 kUuid(
      "(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  static const RE2 kWords(R"re([a-z]+(?:[-_.][a-z]+)*)re");
  static const RE2 kPath(R"re(^(?:/|\./|\.\./|~/|[a-z]+://[^:@]*$).*)re");
  // CamelCase words (a constant's text), a host or label key name.
  static const RE2 kCamel(R"re([A-Za-z][a-z]+(?:[A-Z][a-z]+)+)re");
  static const RE2 kDomain(
      R"re([a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/[a-z0-9._-]+)*)re");
  return RE2::FullMatch(v, kUuid) || RE2::FullMatch(v, kWords) ||
         RE2::FullMatch(v, kPath) || RE2::FullMatch(v, kCamel) ||
         RE2::FullMatch(v, kDomain);
}

// Source code or shell, not a literal: a call, an index, a member access, a
// variable expansion ("auto token = Fetch(ctx)", "key=$dir/key.pem").
bool IsExpression(std::string_view v) {
  static const RE2 kExpression(
      R"re([(){}\[\]<>]|->|::|\$[A-Za-z_{(]|^[&*!])re");
  return RE2::PartialMatch(v, kExpression);
}

struct Rule {
  RuleInfo info;
  std::vector<std::string_view> keywords;  // lower case; any must appear
  std::unique_ptr<RE2> re;                 // group 1 is the secret
  // Given the secret, the whole match's end and the line: is it one?
  std::function<bool(std::string_view secret, std::string_view line, size_t end,
                     std::string_view next)>
      valid;
};

bool Always(std::string_view, std::string_view, size_t, std::string_view) {
  return true;
}

std::vector<Rule> MakeRules() {
  std::vector<Rule> rules;
  auto add = [&](std::string_view id, std::string_view description,
                 std::vector<std::string_view> keywords, const char* pattern,
                 auto valid) {
    RE2::Options options;
    options.set_max_mem(8 << 20);
    options.set_log_errors(false);
    rules.push_back(Rule{{id, description},
                         std::move(keywords),
                         std::make_unique<RE2>(pattern, options),
                         valid});
  };
  add(kRulePrivateKey, "private key PEM block", {"private key"},
      R"re((-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----))re",
      [](std::string_view, std::string_view line, size_t end,
         std::string_view next) {
        return PemBodyFollows(line.substr(end), next);
      });
  add("age-secret-key", "age identity (AGE-SECRET-KEY-1...)",
      {"age-secret-key-1"},
      R"re((?i)\b(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b)re",
      [](std::string_view s, std::string_view, size_t, std::string_view) {
        return X25519Identity::Parse(s).has_value();
      });
  add("aws-access-key", "AWS access key id",
      {"akia", "asia", "abia", "acca", "a3t"},
      R"re(\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b)re",
      [](std::string_view s, std::string_view, size_t, std::string_view) {
        return !s.ends_with("EXAMPLE") && Entropy(s) >= 3.0;
      });
  add("github-token", "GitHub token",
      {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
      R"re(\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b)re",
      Always);
  add("gitlab-token", "GitLab token",
      {"glpat-", "gldt-", "glrt-", "glptt-", "gloas-", "glsoat-"},
      R"re(\b((?:glpat|gldt|glrt|gloas|glsoat)-[A-Za-z0-9_-]{20,}|)re"
      R"re(glptt-[0-9a-f]{40})(?:\b|$))re",
      Always);
  add("slack-token", "Slack token or webhook", {"xox", "hooks.slack.com"},
      R"re(((?:xox[abposre]|xapp)-[0-9A-Za-z-]{10,}|)re"
      R"re(hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/_-]{40,}))re",
      [](std::string_view s, std::string_view, size_t, std::string_view) {
        return Entropy(s) >= 3.0;
      });
  add("stripe-key", "Stripe API key", {"sk_", "rk_"},
      R"re(\b((?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99})\b)re", Always);
  add("jwt", "JSON Web Token", {"ey"},
      R"re(\b(ey[A-Za-z0-9_-]{15,}\.ey[A-Za-z0-9_-]{15,}\.[A-Za-z0-9_-]{10,})re"
      R"re(={0,2}))re",
      [](std::string_view s, std::string_view, size_t, std::string_view) {
        return ValidJwt(s);
      });
  add("connection-string", "connection string with a password", {"://"},
      R"re((?i)\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|)re"
      R"re(amqps?|mssql|sqlserver|clickhouse|cockroachdb|ldaps?|smtps?|ftp)re"
      R"re()://[^:@/\s"']+:([^@\s"'/]+)@[^\s"'/:@]+)re",
      [](std::string_view s, std::string_view, size_t, std::string_view) {
        return !IsPlaceholder(s) && !IsSealedValue(s);
      });
  add("infisical-client-secret", "Infisical client secret or service token",
      {"st.", "client"},
      R"re((?i)(?:\b(st\.[0-9a-f]{24}\.[0-9a-f]{32}\.[0-9a-f]{32})\b|)re"
      R"re(client[_.-]?secret["']?\s*(?::|=)\s*["']?([0-9a-f]{32,}))(?:\b|$))re",
      Always);
  add("generic-high-entropy", "high-entropy value under a secret-like key",
      {"secret", "token", "passw", "pwd", "key", "auth", "cred"},
      R"re((?i)(?:^|[\s"'{,(])(?:export\s+)?[a-z0-9_.-]*(?:secret|token|)re"
      R"re(passw(?:or)?d|pwd|api[_.-]?key|access[_.-]?key|private[_.-]?key|)re"
      R"re(auth|credentials?|creds|key)["']?\s*(?::|=|:=|=>)\s*)re"
      R"re((?:"([^"\\\s]{10,})"|'([^'\s]{10,})'|`?([^\s"'`,;#]{10,})))re",
      [](std::string_view s, std::string_view line, size_t, std::string_view) {
        if (IsPlaceholder(s) || IsSealedValue(s) || IsRecipient(s) ||
            IsIdentifierLike(s) || IsExpression(s))
          return false;
        // A key whose name says it holds a reference, not a value.
        static const RE2 kReferenceKey(
            R"re((?i)(?:name|ref|path|file|dir|url|uri|type|mode|id|length|)re"
            R"re(ttl|size|count|enabled|version|hash|sha|digest|checksum)re"
            R"re()["']?\s*(?::|=|:=|=>)\s*["'`]?[^\s"'`]*$)re");
        size_t end = s.data() - line.data() + s.size();
        if (RE2::PartialMatch(line.substr(0, end), kReferenceKey)) return false;
        return Entropy(s) >= 3.5;
      });
  return rules;
}

const std::vector<Rule>& Rules() {
  static const std::vector<Rule>* rules = new std::vector<Rule>(MakeRules());
  return *rules;
}

// Where redaction of a secret ending at `end` stops: a private key's line is
// redacted to its end (a JSON string carries the whole key); any other
// secret to the end of its token, so that no part of a value the pattern
// did not cover shows in an excerpt.
size_t RedactionEnd(const Rule& rule, std::string_view line, size_t end) {
  if (rule.info.id == kRulePrivateKey) return line.size();
  while (end < line.size() &&
         !std::isspace(static_cast<unsigned char>(line[end])) &&
         line[end] != '"' && line[end] != '\'' && line[end] != '`' &&
         line[end] != '@')
    ++end;
  return end;
}

}  // namespace

const std::vector<RuleInfo>& AllRules() {
  static const std::vector<RuleInfo>* all = [] {
    auto* v = new std::vector<RuleInfo>{
        {kRulePlaintextSecret,
         "Kubernetes Secret manifest with plaintext data/stringData"}};
    for (const Rule& r : Rules()) v->push_back(r.info);
    return v;
  }();
  return *all;
}

bool IsPlaceholder(std::string_view v) {
  static const RE2 kPlaceholder(
      R"re((?i)^(?:\$\{[^}]*\}?|\$\(.*|\{\{.*|<[^>]*>?|%[sv(].*|\*+|x{4,}|)re"
      R"re(changeme|change_me|replace_?me|example|redacted|dummy|test|)re"
      R"re(password|secret|token|your[_-].*|null|none|true|false|)re"
      R"re(\$[A-Z_][A-Z0-9_]*|\[.*|\.\.\.+)$)re");
  return RE2::FullMatch(v, kPlaceholder);
}

double Entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / s.size();
    h -= p * std::log2(p);
  }
  return h;
}

std::vector<LineMatch> MatchLine(std::string_view line,
                                 std::string_view next_line) {
  std::vector<LineMatch> out;
  std::string lower(line);
  for (char& c : lower) c = std::tolower(static_cast<unsigned char>(c));
  for (const Rule& rule : Rules()) {
    bool keyword = false;
    for (std::string_view k : rule.keywords)
      if (lower.find(k) != std::string::npos) keyword = true;
    if (!keyword) continue;
    re2::StringPiece input(line.data(), line.size());
    const int groups = rule.re->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> match(groups + 1);
    size_t pos = 0;
    while (pos <= line.size() &&
           rule.re->Match(input, pos, line.size(), RE2::UNANCHORED,
                          match.data(), groups + 1)) {
      size_t whole_end = match[0].data() - line.data() + match[0].size();
      re2::StringPiece secret;
      for (int g = 1; g <= groups; ++g)
        if (match[g].data() != nullptr) secret = match[g];
      if (!secret.empty()) {
        size_t begin = secret.data() - line.data();
        std::string_view s(secret.data(), secret.size());
        if (rule.valid(s, line, whole_end, next_line))
          out.push_back({rule.info.id, begin,
                         RedactionEnd(rule, line, begin + s.size())});
      }
      pos = std::max(whole_end, pos + 1);
    }
  }
  return out;
}

}  // namespace sealsync::sealctl::scan
