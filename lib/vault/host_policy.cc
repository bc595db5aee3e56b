#include "lib/vault/host_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace sealsync::vault {
namespace {

std::string Lower(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool Listed(const std::vector<std::string>& list, const std::string& host) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& h) {
    return h == "*" || Lower(h) == host;
  });
}

// One part of a parsed URL, or "" when it is absent.
std::string Part(CURLU* u, CURLUPart part) {
  char* p = nullptr;
  if (curl_url_get(u, part, &p, 0) != CURLUE_OK || p == nullptr) return "";
  std::string out(p);
  curl_free(p);
  return out;
}

Error Denied(const std::string& what) {
  return Error(ErrorCode::kPermissionDenied, what);
}

}  // namespace

Result<void> CheckVaultUrl(const HostPolicy& policy, std::string_view url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(),
                                                        &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) !=
                CURLUE_OK)
    return std::unexpected(Denied("hostAPI is not a valid URL"));
  const std::string scheme = Lower(Part(u.get(), CURLUPART_SCHEME));
  std::string host = Lower(Part(u.get(), CURLUPART_HOST));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);  // [::1] -> ::1
  if (!Part(u.get(), CURLUPART_USER).empty() ||
      !Part(u.get(), CURLUPART_PASSWORD).empty())
    return std::unexpected(Denied("hostAPI must not carry user info"));
  if (host.empty()) return std::unexpected(Denied("hostAPI has no host"));
  if (!Listed(policy.allowed_hosts, host)) {
    return std::unexpected(
        Denied("vault host " + host +
               " is not allowed by the operator (--vault-allowed-hosts)"));
  }
  if (scheme == "https") return {};
  if (scheme == "http" && Listed(policy.insecure_hosts, host)) return {};
  if (scheme == "http") {
    return std::unexpected(
        Denied("vault host " + host +
               " must be called over https (plain http only for "
               "--vault-insecure-hosts)"));
  }
  return std::unexpected(
      Denied("hostAPI scheme \"" + scheme + "\" is not https"));
}

}  // namespace sealsync::vault
