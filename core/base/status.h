// Status and Result<T>: the error currency of every fedgate module.
//
// Nothing here allocates or throws, so the same types serve the device path
// (firmware) and the gateway. A message is formatted into a fixed inline buffer;
// longer messages are truncated, never heap-allocated.
#pragma once

// The buffer's size: large enough on Linux for a message that names a full
// file path; a microcontroller build keeps it short for its 8 KB stack (the
// STM32 build sets 120: CMakeLists.txt, hil/stm32_size_expectation.cmake).
#ifndef FEDGATE_STATUS_MESSAGE_CAPACITY
#define FEDGATE_STATUS_MESSAGE_CAPACITY 512
#endif

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>

namespace fedgate {

// Canonical codes. When to retry:
//   kInvalidArgument   the caller's input is wrong; retrying the same input fails again.
//   kOutOfRange        an index, version or size lies outside what is held; do not retry as is.
//   kNotFound          a named thing (file, client, policy) does not exist.
//   kDataLoss          bytes were corrupt or truncated; fetch them again.
//   kResourceExhausted a fixed capacity is full; retry once something was freed.
//   kFailedPrecondition the call is valid but not in the current state.
//   kUnavailable       a peer or file could not be reached now; retry with backoff.
//   kInternal          a bug: an invariant broke.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,
  kOutOfRange,
  kNotFound,
  kDataLoss,
  kResourceExhausted,
  kFailedPrecondition,
  kUnavailable,
  kInternal,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  static constexpr size_t kMessageCapacity = FEDGATE_STATUS_MESSAGE_CAPACITY;

  Status() = default;
  static Status ok() { return Status(); }

  // printf-style message.
  static Status error(StatusCode code, const char* format, ...)
      __attribute__((format(printf, 2, 3)));

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const char* message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  char message_[kMessageCapacity] = {0};
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace fedgate

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define FG_TRY(expr)                                    \
  do {                                                  \
    ::fedgate::Status fg_try_status_ = (expr);          \
    if (!fg_try_status_.is_ok()) return fg_try_status_; \
  } while (0)

#define FG_CONCAT_INNER(a, b) a##b
#define FG_CONCAT(a, b) FG_CONCAT_INNER(a, b)

// FG_ASSIGN_OR_RETURN(auto x, expr): unwraps a Result or returns its Status.
#define FG_ASSIGN_OR_RETURN(lhs, expr) \
  FG_ASSIGN_OR_RETURN_IMPL(FG_CONCAT(fg_result_, __LINE__), lhs, expr)
#define FG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.is_ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
