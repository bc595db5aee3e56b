#include "tests/fakes/infisical/http_util.h"

#include <cstdint>
#include <vector>

#include "tests/fakes/infisical/double_server.h"

namespace sealsync::infisical_double {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::map<std::string, std::string> ParseQuery(const std::string& q) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= q.size()) {
    size_t end = q.find('&', start);
    if (end == std::string::npos) end = q.size();
    std::string pair = q.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string k = PercentDecode(pair.substr(0, eq));
      std::string v =
          eq == std::string::npos ? "" : PercentDecode(pair.substr(eq + 1));
      out.try_emplace(k, v);
    }
    start = end + 1;
  }
  return out;
}

// UTF-8 -> UTF-16 code units; invalid bytes become U+FFFD as Node decodes.
std::vector<uint16_t> Utf16Units(const std::string& s) {
  std::vector<uint16_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c >> 5) == 6) {
      cp = c & 0x1f;
      len = 2;
    } else if ((c >> 4) == 14) {
      cp = c & 0x0f;
      len = 3;
    } else if ((c >> 3) == 30) {
      cp = c & 0x07;
      len = 4;
    } else {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    if (i + len > s.size()) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (!ok) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

}  // namespace

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 &&
               Hex(s[i + 2]) >= 0) {
      out += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::pair<std::string, std::map<std::string, std::string>> SplitTarget(
    const std::string& target) {
  size_t q = target.find('?');
  if (q == std::string::npos) return {target, {}};
  return {target.substr(0, q), ParseQuery(target.substr(q + 1))};
}

std::optional<std::optional<Json>> ParseBody(const HttpRequest& req) {
  std::string ct;
  if (auto it = req.headers.find("content-type"); it != req.headers.end()) {
    ct = it->second.substr(0, it->second.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    for (auto& c : ct)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (ct.empty()) {
    if (req.body.empty()) return std::optional<Json>{};
    return std::nullopt;  // FST_ERR_CTP_INVALID_MEDIA_TYPE
  }
  if (ct == "application/json") {
    if (req.body.empty()) return std::nullopt;  // FST_ERR_CTP_EMPTY_JSON_BODY
    try {
      return std::optional<Json>(Json::parse(req.body));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (ct == "application/x-www-form-urlencoded") {
    Json obj = Json::object();
    for (const auto& [k, v] : ParseQuery(req.body)) obj[k] = v;
    return std::optional<Json>(obj);
  }
  return std::nullopt;
}

std::string Fnv1aEtag(const std::string& utf8) {
  uint32_t hash = 2166136261u;
  for (uint16_t u : Utf16Units(utf8)) {
    hash ^= u;
    hash *= 16777619u;
  }
  std::string digits;
  do {
    digits.insert(digits.begin(),
                  "0123456789abcdefghijklmnopqrstuvwxyz"[hash % 36]);
    hash /= 36;
  } while (hash != 0);
  return "\"" + digits + "\"";
}

}  // namespace sealsync::infisical_double
