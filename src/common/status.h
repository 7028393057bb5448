// Status and Result<T>: recoverable errors as values, carrying a code and a message
// a user can act on. Exceptions never cross a thread or a C callback.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace pinpipe {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user or a client
  kNotFound,
  kAlreadyExists,
  kCorruption,       // bytes on disk or on the wire that fail a check
  kIoError,          // the operating system refused
  kTimeout,
  kUnavailable,      // try again later (peer down, shutting down)
  kUnsupported,
  kInternal,
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>"
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
};

// A value or an Error. [[nodiscard]]: ignoring a Result (a failed fsync, a refused write) is how
// errors get lost, so the compiler refuses it; `(void)` marks the rare deliberate discard.
// It is a std::expected in every other respect (the constructors are inherited).
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  // From any expected (e.g. what and_then/transform return).
  Result(std::expected<T, Error> other)  // NOLINT(google-explicit-constructor)
      : std::expected<T, Error>(std::move(other)) {}
};

// Status is a Result without a value.
using Status = Result<void>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error(code, std::move(message)));
}
inline Status OkStatus() { return {}; }

// Error from errno with the failing operation and path: "open /x/y: No such file".
std::unexpected<Error> ErrnoError(std::string_view what, std::string_view path, int err);

}  // namespace pinpipe

// Propagates an error from an expression returning Status or Result<T>.
#define PINPIPE_RETURN_IF_ERROR(expr)                                 \
  do {                                                               \
    auto _pinpipe_st = (expr);                                       \
    if (!_pinpipe_st) return std::unexpected(_pinpipe_st.error());   \
  } while (0)

#define PINPIPE_CONCAT_INNER(a, b) a##b
#define PINPIPE_CONCAT(a, b) PINPIPE_CONCAT_INNER(a, b)
// Assigns the value of a Result<T> expression to `lhs`, or returns its error.
#define PINPIPE_ASSIGN_OR_RETURN(lhs, expr)                                         \
  auto PINPIPE_CONCAT(_pinpipe_r, __LINE__) = (expr);                               \
  if (!PINPIPE_CONCAT(_pinpipe_r, __LINE__))                                        \
    return std::unexpected(PINPIPE_CONCAT(_pinpipe_r, __LINE__).error());           \
  lhs = std::move(*PINPIPE_CONCAT(_pinpipe_r, __LINE__))
