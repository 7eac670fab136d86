#include "coordinator/checkpoint_state.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace fedgate {
namespace {

// Checkpoints are read on the machine class that wrote them, but the format
// says little-endian so a file can move between gateways.
template <typename T>
void put_le(std::vector<uint8_t>& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

template <typename T>
T get_le(const uint8_t* in) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(in[i]) << (8 * i);
  return value;
}

}  // namespace

void StateWriter::u32(uint32_t value) { put_le(bytes_, value); }
void StateWriter::u64(uint64_t value) { put_le(bytes_, value); }

void StateWriter::f64(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  u64(bits);
}

void StateWriter::raw(const void* data, size_t size) {
  const auto* begin = static_cast<const uint8_t*>(data);
  bytes_.insert(bytes_.end(), begin, begin + size);
}

void StateWriter::str(const std::string& value) {
  u32(static_cast<uint32_t>(value.size()));
  raw(value.data(), value.size());
}

void StateWriter::floats(Span<const float> values) {
  u32(static_cast<uint32_t>(values.size()));
  for (const float value : values) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    u32(bits);
  }
}

void StateWriter::doubles(Span<const double> values) {
  u32(static_cast<uint32_t>(values.size()));
  for (const double value : values) f64(value);
}

bool StateReader::take(void* out, size_t size) {
  if (failed()) return false;
  if (remaining() < size) {
    fail("ends after %zu bytes, %zu more needed", bytes_.size(), size - remaining());
    return false;
  }
  std::memcpy(out, bytes_.data() + offset_, size);
  offset_ += size;
  return true;
}

uint8_t StateReader::u8() {
  uint8_t value = 0;
  take(&value, 1);
  return value;
}

uint32_t StateReader::u32() {
  uint8_t raw[4];
  return take(raw, sizeof(raw)) ? get_le<uint32_t>(raw) : 0;
}

uint64_t StateReader::u64() {
  uint8_t raw[8];
  return take(raw, sizeof(raw)) ? get_le<uint64_t>(raw) : 0;
}

double StateReader::f64() {
  const uint64_t bits = u64();
  double value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

std::string StateReader::str() {
  const uint32_t size = u32();
  if (failed()) return {};
  if (size > remaining()) {
    fail("a string of %u bytes with %zu left", size, remaining());
    return {};
  }
  std::string value(reinterpret_cast<const char*>(bytes_.data() + offset_), size);
  offset_ += size;
  return value;
}

uint32_t StateReader::count(size_t min_entry_bytes) {
  const uint32_t n = u32();
  if (failed()) return 0;
  if (min_entry_bytes != 0 && n > remaining() / min_entry_bytes) {
    fail("%u entries cannot fit in the %zu bytes left", n, remaining());
    return 0;
  }
  return n;
}

bool StateReader::vector_length(size_t expected, size_t value_bytes, const char* what) {
  const uint32_t n = u32();
  if (failed()) return false;
  if (n != expected) {
    fail("%s holds %u values, this run needs %zu", what, n, expected);
    return false;
  }
  if (remaining() / value_bytes < n) {
    fail("%s: %u values with %zu bytes left", what, n, remaining());
    return false;
  }
  return true;
}

void StateReader::floats(std::vector<float>* out, size_t expected, const char* what) {
  if (!vector_length(expected, sizeof(float), what)) return;
  out->resize(expected);
  for (float& value : *out) {
    const uint32_t bits = u32();
    std::memcpy(&value, &bits, sizeof(value));
  }
}

void StateReader::doubles(std::vector<double>* out, size_t expected, const char* what) {
  if (!vector_length(expected, sizeof(double), what)) return;
  out->resize(expected);
  for (double& value : *out) value = f64();
}

void StateReader::fail(const char* format, ...) {
  if (failed()) return;
  char text[200];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof(text), format, args);
  va_end(args);
  error_ = text;
  offset_ = bytes_.size();  // nothing after a bad field can be trusted
}

Status StateReader::finish(const char* section) const {
  if (failed()) {
    return Status::error(StatusCode::kInvalidArgument, "%s state: %s", section, error_.c_str());
  }
  if (remaining() != 0) {
    return Status::error(StatusCode::kInvalidArgument, "%s state: %zu bytes left unread", section,
                         remaining());
  }
  return Status::ok();
}

}  // namespace fedgate
