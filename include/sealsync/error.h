// Error values and the Result<T> type used across every sealsync library.
//
// Start here: every fallible function returns Result<T> (std::expected<T,
// Error>, [[nodiscard]]). No exception crosses a library boundary;
// third-party exceptions are caught in the adapter that calls the library and
// turned into an Error.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace sealsync {

// Abseil-style canonical codes. The code, not the message, drives behaviour
// (retry or not, exit code, condition reason).
enum class ErrorCode {
  kOk = 0,
  kCancelled,
  kUnknown,
  kInvalidArgument,  // caller input is malformed (bad flag, bad YAML).
  kDeadlineExceeded,
  kNotFound,  // the thing (or a matching key) does not exist.
  kAlreadyExists,
  kPermissionDenied,    // authenticated but not allowed; scope mismatch.
  kResourceExhausted,   // rate limited.
  kFailedPrecondition,  // state forbids the operation (target not ours).
  kAborted,             // conflict; retry the read-modify-write.
  kOutOfRange,
  kUnimplemented,
  kInternal,
  kUnavailable,  // transient; retry with backoff.
  kDataLoss,     // authenticated data failed verification (tampered).
  kUnauthenticated,
};

// Returns the canonical name of `code`, e.g. "NOT_FOUND".
std::string_view ErrorCodeName(ErrorCode code);

// An Error says what failed, wrapping its cause: "could not read SealedSecret
// team-a/db: header MAC failed". It never carries a secret value.
class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "`context`: `message()`", same code and
  // reason.
  Error Wrap(std::string_view context) const;

  // The condition reason the code that failed chose ("TargetNotOwned"), empty
  // if none. A reconciler sets it once; status, Events and metrics all read
  // it, so they agree.
  const std::string& reason() const { return reason_; }
  // Returns a copy carrying `reason`.
  Error WithReason(std::string_view reason) const {
    Error e = *this;
    e.reason_ = std::string(reason);
    return e;
  }

 private:
  ErrorCode code_;
  std::string message_;
  std::string reason_;
};

// std::expected<T, Error> that must not be dropped: a call whose Result is
// ignored does not compile ([[nodiscard]]; the build makes -Wunused-result
// an error). Where ignoring is right, say so: `(void)Call();  // why`.
// Result<void> is "done, or an error"; Result<bool> only where the bool
// answers a question.
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
  using Base = std::expected<T, Error>;

 public:
  using Base::Base;
  Result() = default;
  // From a plain std::expected (an inherited constructor cannot take its own
  // base).
  Result(const Base& b) : Base(b) {}
  Result(Base&& b) : Base(std::move(b)) {}
};

// Shorthand for returning an error from a function returning Result<T>.
inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}

}  // namespace sealsync
