// Small HTTP helpers of the Infisical double: target splitting, percent
// decoding, fastify-like body parsing and @fastify/etag's ETag.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "tests/fakes/infisical/api_error.h"

namespace sealsync::infisical_double {

struct HttpRequest;

// "%2F" -> "/", "+" -> " " (querystring semantics). Bad escapes stay as-is.
[[nodiscard]] std::string PercentDecode(const std::string& s);

// "/p?a=1&b=x%20y" -> {"/p", {a:1, b:"x y"}}. The first of repeated keys wins.
[[nodiscard]] std::pair<std::string, std::map<std::string, std::string>>
SplitTarget(const std::string& target);

// The body as fastify hands it to a route: nullopt = a content-type parser
// error (bad or empty JSON, unsupported media type; the real server answers
// 500), inner nullopt = no body at all. JSON and form-urlencoded (the server
// registers @fastify/formbody) are accepted.
[[nodiscard]] std::optional<std::optional<Json>> ParseBody(
    const HttpRequest& req);

// @fastify/etag's default: '"' + fnv1a32(payload).toString(36) + '"', the
// hash taken over the string's UTF-16 code units as JavaScript sees them.
[[nodiscard]] std::string Fnv1aEtag(const std::string& utf8);

}  // namespace sealsync::infisical_double
