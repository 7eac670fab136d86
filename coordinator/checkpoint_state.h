// StateWriter / StateReader: the byte encoding of a run's state inside a
// checkpoint (docs/run-directory.md, "Checkpoints"). Little-endian fixed-width
// numbers, length-prefixed strings and vectors. Policies write their state with
// a StateWriter and read it back with a StateReader; the reader never throws and
// never reads past its bytes: the first malformed field marks it failed, later
// reads return zeros, and finish() reports what went wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate {

class StateWriter {
 public:
  // `now_us`: the coordinator's clock at saving; times are stored as ages
  // (now - t) so that they mean the same after a restart, whose clock starts anew.
  explicit StateWriter(int64_t now_us = 0) : now_us_(now_us) {}

  void u8(uint8_t value) { bytes_.push_back(value); }
  void boolean(bool value) { u8(value ? 1 : 0); }
  void u32(uint32_t value);
  void u64(uint64_t value);
  void i64(int64_t value) { u64(static_cast<uint64_t>(value)); }
  void f64(double value);
  void str(const std::string& value);
  void floats(Span<const float> values);
  void doubles(Span<const double> values);
  // A clock time, stored as its age at saving.
  void time_us(int64_t time) { i64(now_us_ - time); }

  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void raw(const void* data, size_t size);

  int64_t now_us_;
  std::vector<uint8_t> bytes_;
};

class StateReader {
 public:
  // `now_us`: the coordinator's clock at restoring (ages become times again).
  explicit StateReader(Span<const uint8_t> bytes, int64_t now_us = 0)
      : bytes_(bytes), now_us_(now_us) {}

  uint8_t u8();
  bool boolean() { return u8() != 0; }
  uint32_t u32();
  uint64_t u64();
  int64_t i64() { return static_cast<int64_t>(u64()); }
  double f64();
  std::string str();
  // A vector that must hold exactly `expected` values (a model-sized buffer);
  // any other length fails with a message naming `what` and both lengths.
  void floats(std::vector<float>* out, size_t expected, const char* what);
  void doubles(std::vector<double>* out, size_t expected, const char* what);
  int64_t time_us() { return now_us_ - i64(); }
  // A count of entries that follow, each at least `min_entry_bytes` long: a
  // corrupt count cannot make the reader reserve or loop beyond its bytes.
  uint32_t count(size_t min_entry_bytes);

  // Marks the reader failed (the first message is kept).
  void fail(const char* format, ...) __attribute__((format(printf, 2, 3)));
  bool failed() const { return !error_.empty(); }
  size_t remaining() const { return bytes_.size() - offset_; }
  // Ok when every read succeeded and every byte was read; else an error naming
  // `section` and what went wrong.
  Status finish(const char* section) const;

 private:
  bool take(void* out, size_t size);
  // Reads a vector's length: true when it is `expected` and that many values fit.
  bool vector_length(size_t expected, size_t value_bytes, const char* what);

  Span<const uint8_t> bytes_;
  size_t offset_ = 0;
  int64_t now_us_;
  std::string error_;
};

}  // namespace fedgate
