// Error values of the Infisical double, shaped as the real server's error
// handler (backend/src/server/plugins/error-handler.ts) writes them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace sealsync::infisical_double {

using Json = nlohmann::ordered_json;

// An `ApiError` is one error answer: HTTP status plus the `error` and
// `message` fields of the body `{reqId, statusCode, message, error}`.
// `message` is a string except for 422, where it is the zod issue list.
// Plain value type; not synchronised.
struct ApiError {
  int status = 500;
  std::string error;
  Json message;
  // The real handler writes `error` before `message` for TokenError, 422 and
  // the catch-all 500; key order only, clients never depend on it.
  bool error_first = false;

  // Renders the body with `req_id`.
  [[nodiscard]] Json Body(const std::string& req_id) const {
    Json b;
    b["reqId"] = req_id;
    b["statusCode"] = status;
    if (error_first) {
      b["error"] = error;
      b["message"] = message;
    } else {
      b["message"] = message;
      b["error"] = error;
    }
    return b;
  }
};

// UnauthorizedError (401), name "UnauthorizedError" unless given.
inline ApiError Unauthorized(std::string message,
                             std::string name = "UnauthorizedError") {
  return {401, std::move(name), std::move(message)};
}
// BadRequestError (400), default name "BadRequest".
inline ApiError BadRequest(std::string message,
                           std::string name = "BadRequest") {
  return {400, std::move(name), std::move(message)};
}
// NotFoundError (404), default name "NotFound".
inline ApiError NotFound(std::string message, std::string name = "NotFound") {
  return {404, std::move(name), std::move(message)};
}
// ForbiddenRequestError (403), default name "ForbiddenError".
inline ApiError Forbidden(std::string message,
                          std::string name = "ForbiddenError") {
  return {403, std::move(name), std::move(message)};
}
// jsonwebtoken failures: 403 "TokenError" with the handler's rewording.
inline ApiError TokenError(const std::string& jwt_message) {
  std::string m = jwt_message;
  if (m == "jwt expired") {
    m = "Your token has expired. Please re-authenticate.";
  } else if (m == "jwt malformed") {
    m = "The provided access token is malformed. Please use a valid token or "
        "generate a new one and try again.";
  } else if (m == "invalid algorithm") {
    m = "The access token is signed with an invalid algorithm. Please provide "
        "a valid token and try again.";
  }
  return {403, "TokenError", m, true};
}
// Anything the handler does not recognise (incl. fastify body-parse errors).
inline ApiError InternalError() {
  return {500, "InternalServerError", "Something went wrong", true};
}
// A zod validation failure (422 "ValidationFailure"), one issue.
inline ApiError Validation(Json issue) {
  return {422, "ValidationFailure", Json::array({std::move(issue)}), true};
}

}  // namespace sealsync::infisical_double
