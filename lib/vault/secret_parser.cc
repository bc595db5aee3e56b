#include "lib/vault/secret_parser.h"

#include <nlohmann/json.hpp>
#include <set>

#include "lib/vault/paths.h"

namespace sealsync::vault {
namespace {

using Json = nlohmann::json;

// Wipes every string in `j` before it is freed (best effort: the parser's own
// scratch buffers are not reached).
void WipeStrings(Json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    SecureWipe(s.data(), s.size());
  } else if (j.is_structured()) {
    for (auto& v : j) WipeStrings(v);
  }
}

// A parsed body that wipes its strings when it goes.
struct WipedJson {
  Json j;
  ~WipedJson() { WipeStrings(j); }
};

// Thrown by Parse's callback only.
struct TooDeep {};

// Infisical's answers are a few levels deep. Anything deeper is refused while
// it is read, before WipeStrings (recursive) or anyone else walks it.
constexpr int kMaxDepth = 32;

bool Parse(const SecureBytes& body, WipedJson& out) {
  auto bounded = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxDepth) throw TooDeep{};
    return true;
  };
  try {
    out.j = Json::parse(body.begin(), body.end(), bounded, false);
  } catch (const TooDeep&) {
    out.j = Json(Json::value_t::discarded);
  }
  return !out.j.is_discarded();
}

std::string Str(const Json& o, const char* field) {
  auto it = o.find(field);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

// One secret object of a list, get or import entry.
Result<VaultSecret> ToSecret(const Json& s, const std::string& default_path,
                             const std::string& where) {
  if (!s.is_object() || !s.contains("secretKey") ||
      !s["secretKey"].is_string() || !s.contains("secretValue") ||
      !s["secretValue"].is_string())
    return MakeError(ErrorCode::kInternal,
                     "malformed secret in Infisical answer for " + where);
  VaultSecret out;
  out.key = s["secretKey"].get<std::string>();
  if (s.value("secretValueHidden", false))
    return MakeError(
        ErrorCode::kPermissionDenied,
        "the identity may not read the value of " + out.key + " in " + where);
  const auto& v = s["secretValue"].get_ref<const std::string&>();
  out.value.assign(v.begin(), v.end());
  std::string p = Str(s, "secretPath");
  out.path = NormalizePath(p.empty() ? default_path : p);
  if (auto it = s.find("version"); it != s.end() && it->is_number_integer())
    out.version = it->get<int64_t>();
  return out;
}

// Flattens import entries, an entry's own nested `imports` (older shapes)
// placed before it so that the entry itself wins.
void FlattenImports(const Json& imports, std::vector<const Json*>& out,
                    int depth) {
  if (!imports.is_array() || depth > 10) return;
  for (const auto& e : imports) {
    if (!e.is_object()) continue;
    if (auto it = e.find("imports"); it != e.end())
      FlattenImports(*it, out, depth + 1);
    out.push_back(&e);
  }
}

}  // namespace

Result<TokenGrant> ParseTokenGrant(const SecureBytes& body) {
  WipedJson doc;
  if (!Parse(body, doc) || !doc.j.is_object() ||
      !doc.j.contains("accessToken") || !doc.j["accessToken"].is_string())
    return MakeError(
        ErrorCode::kInternal,
        "Infisical token answer is not {accessToken, expiresIn, ...}");
  TokenGrant g;
  g.access_token = doc.j["accessToken"].get<std::string>();
  auto secs = [&](const char* f) {
    auto it = doc.j.find(f);
    return std::chrono::seconds(it != doc.j.end() && it->is_number()
                                    ? std::max<int64_t>(0, it->get<int64_t>())
                                    : 0);
  };
  g.expires_in = secs("expiresIn");
  g.max_ttl = secs("accessTokenMaxTTL");
  return g;
}

Result<SecretList> ParseSecretList(const SecureBytes& body,
                                   const SecretScope& scope) {
  const std::string where = scope.ToString();
  WipedJson doc;
  if (!Parse(body, doc) || !doc.j.is_object() || !doc.j.contains("secrets") ||
      !doc.j["secrets"].is_array())
    return MakeError(ErrorCode::kInternal, "Infisical list answer for " +
                                               where + " has no secrets array");
  SecretList list;
  list.path = NormalizePath(scope.path);
  std::set<std::string> keys;
  for (const auto& s : doc.j["secrets"]) {
    if (Str(s, "type") == "personal") continue;  // not an identity's concern
    auto v = ToSecret(s, list.path, where);
    if (!v) return std::unexpected(v.error());
    keys.insert(v->key);
    list.secrets.push_back(std::move(*v));
  }
  if (!scope.include_imports) return list;
  std::vector<const Json*> entries;
  if (auto it = doc.j.find("imports"); it != doc.j.end())
    FlattenImports(*it, entries, 0);
  for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
    const std::string path = Str(**e, "secretPath");
    auto it = (*e)->find("secrets");
    if (it == (*e)->end() || !it->is_array()) continue;
    for (const auto& s : *it) {
      auto v =
          ToSecret(s, path.empty() ? list.path : path, where + " (import)");
      if (!v) return std::unexpected(v.error());
      if (!keys.insert(v->key).second) continue;  // own or later import wins
      list.secrets.push_back(std::move(*v));
    }
  }
  return list;
}

Result<VaultSecret> ParseSecret(const SecureBytes& body,
                                const std::string& default_path,
                                const std::string& where) {
  WipedJson doc;
  if (!Parse(body, doc) || !doc.j.is_object() || !doc.j.contains("secret"))
    return MakeError(ErrorCode::kInternal, "Infisical get answer for " + where +
                                               " has no secret object");
  return ToSecret(doc.j["secret"], default_path, where);
}

ApiErrorBody ParseErrorBody(const SecureBytes& body) {
  WipedJson doc;
  if (!Parse(body, doc) || !doc.j.is_object()) return {};
  ApiErrorBody e{Str(doc.j, "error"), Str(doc.j, "message")};
  if (e.message.empty() && doc.j.contains("message"))
    e.message = "(structured validation error)";
  return e;
}

}  // namespace sealsync::vault
