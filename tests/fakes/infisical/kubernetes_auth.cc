#include "tests/fakes/infisical/kubernetes_auth.h"

#include <curl/curl.h>

#include <memory>

namespace sealsync::infisical_double {
namespace {

constexpr long kTimeoutMs = 10000;
constexpr size_t kMaxReviewBytes =
    64 * 1024;  // TOKEN_REVIEW_MAX_RESPONSE_BYTES

size_t Collect(char* p, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > kMaxReviewBytes) return 0;
  s->append(p, size * n);
  return size * n;
}

ApiError ReviewError(const std::string& message) {
  return Unauthorized(message, "KubernetesTokenReviewError");
}

// POST {host}/apis/authentication.k8s.io/v1/tokenreviews.
std::expected<Json, ApiError> TokenReview(const KubernetesAuth& k,
                                          const std::string& jwt) {
  Json body = {{"apiVersion", "authentication.k8s.io/v1"},
               {"kind", "TokenReview"},
               {"spec", {{"token", jwt}}}};
  if (!k.allowed_audience.empty())
    body["spec"]["audiences"] = Json::array({k.allowed_audience});
  std::string host = k.kubernetes_host;
  if (!host.starts_with("http://") && !host.starts_with("https://"))
    host = "https://" + host;
  std::string url = host + "/apis/authentication.k8s.io/v1/tokenreviews";
  std::string payload = body.dump(), answer;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> c(curl_easy_init(),
                                                        curl_easy_cleanup);
  if (!c) return std::unexpected(InternalError());
  std::string bearer =
      "Authorization: Bearer " +
      (k.token_reviewer_jwt.empty() ? jwt : k.token_reviewer_jwt);
  curl_slist* headers =
      curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, bearer.c_str());
  curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE,
                   static_cast<long>(payload.size()));
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &answer);
  if (!k.ca_cert.empty()) {
    curl_blob blob{const_cast<char*>(k.ca_cert.data()), k.ca_cert.size(),
                   CURL_BLOB_COPY};
    curl_easy_setopt(c.get(), CURLOPT_CAINFO_BLOB, &blob);
  }
  CURLcode rc = curl_easy_perform(c.get());
  long status = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  // axios rejects on a network failure and on any non-2xx status.
  if (rc != CURLE_OK)
    return std::unexpected(
        ReviewError(std::string("Failed to reach the Kubernetes API server: ") +
                    curl_easy_strerror(rc)));
  if (status < 200 || status >= 300)
    return std::unexpected(ReviewError(
        "The Kubernetes API server refused the token review with status " +
        std::to_string(status)));
  try {
    return Json::parse(answer);
  } catch (const std::exception&) {
    return std::unexpected(BadRequest("Failed to review token"));
  }
}

// Comma-separated patterns, each trimmed; true if any matches.
bool AnyMatches(const std::string& list, const std::string& value) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string p = list.substr(start, end - start);
    while (!p.empty() && p.front() == ' ') p.erase(p.begin());
    while (!p.empty() && p.back() == ' ') p.pop_back();
    if (p == value || GlobMatch(value, p)) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool GlobMatch(const std::string& text, const std::string& pattern) {
  // Iterative '*' matching with one backtrack point: linear enough here.
  size_t t = 0, p = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::expected<void, ApiError> ReviewKubernetesLogin(const Identity& identity,
                                                    const std::string& jwt) {
  if (!identity.kubernetes_auth)
    return std::unexpected(NotFound(
        "Kubernetes auth method not found for identity, did you configure "
        "Kubernetes auth?"));
  const KubernetesAuth& k = *identity.kubernetes_auth;
  auto review = TokenReview(k, jwt);
  if (!review) return std::unexpected(review.error());
  const Json st = review->value("status", Json::object());
  if (st.contains("error") && st["error"].is_string() &&
      !st["error"].get<std::string>().empty())
    return std::unexpected(ReviewError(st["error"].get<std::string>()));
  if (!st.value("authenticated", false))
    return std::unexpected(ReviewError("Kubernetes token not authenticated"));
  // extractK8sUsername: "system:serviceaccount:<namespace>:<name>".
  std::string user =
      st.value("user", Json::object()).value("username", std::string());
  const std::string prefix = "system:serviceaccount:";
  std::string ns, name;
  if (user.starts_with(prefix)) {
    std::string rest = user.substr(prefix.size());
    size_t colon = rest.find(':');
    if (colon != std::string::npos) {
      ns = rest.substr(0, colon);
      name = rest.substr(colon + 1);
    }
  }
  if (!k.allowed_namespaces.empty() && !AnyMatches(k.allowed_namespaces, ns))
    return std::unexpected(
        Unauthorized("Access denied: K8s namespace not allowed."));
  if (!k.allowed_names.empty() && !AnyMatches(k.allowed_names, name))
    return std::unexpected(
        Unauthorized("Access denied: K8s name not allowed."));
  if (!k.allowed_audience.empty()) {
    bool ok = false;
    for (const Json& a : st.value("audiences", Json::array()))
      if (a.is_string() && a.get<std::string>() == k.allowed_audience)
        ok = true;
    if (!ok)
      return std::unexpected(
          Unauthorized("Access denied: K8s audience not allowed."));
  }
  return {};
}

}  // namespace sealsync::infisical_double
