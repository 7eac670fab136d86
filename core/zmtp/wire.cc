#include "core/zmtp/wire.h"

namespace fedgate::zmtp::wire {

// clang-format off
const uint8_t kGreeting[kGreetingSize] = {
    0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F,  // signature
    3, 0,                                // version 3.0: libzmq answers 3.1; NULL is the same
    'N', 'U', 'L', 'L', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // mechanism
    0,                                   // as-server: we are the client
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
// clang-format on

size_t encode_frame_header(uint8_t flags, uint64_t size, uint8_t (&out)[kMaxFrameHeader]) {
  if (size <= kMaxShortFrame) {
    out[0] = static_cast<uint8_t>(flags & ~kFlagLong);
    out[1] = static_cast<uint8_t>(size);
    return 2;
  }
  out[0] = static_cast<uint8_t>(flags | kFlagLong);
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<uint8_t>(size >> (8 * (7 - i)));
  return 9;
}

size_t ready_body_size(size_t socket_type_length, size_t identity_length) {
  // 05 "READY", then per property: name length, name, 4-byte value length, value.
  return 6 + (1 + 11 + 4 + socket_type_length) + (1 + 8 + 4 + identity_length);
}

uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint64_t load_be64(const uint8_t* p) { return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4); }

void store_be32(uint32_t value, uint8_t* p) {
  p[0] = static_cast<uint8_t>(value >> 24);
  p[1] = static_cast<uint8_t>(value >> 16);
  p[2] = static_cast<uint8_t>(value >> 8);
  p[3] = static_cast<uint8_t>(value);
}

namespace {

uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c; }

bool name_equals(const uint8_t* bytes, size_t length, const char* name) {
  size_t i = 0;
  for (; i < length; ++i) {
    if (name[i] == '\0' || ascii_lower(bytes[i]) != ascii_lower(static_cast<uint8_t>(name[i]))) {
      return false;
    }
  }
  return name[i] == '\0';
}

}  // namespace

bool find_property(Span<const uint8_t> properties, const char* name, Span<const uint8_t>* value,
                   bool* found) {
  *found = false;
  size_t pos = 0;
  const size_t end = properties.size();
  while (pos < end) {
    const size_t name_length = properties[pos];
    if (name_length == 0 || end - pos - 1 < name_length) return false;
    const uint8_t* name_bytes = properties.data() + pos + 1;
    pos += 1 + name_length;
    if (end - pos < 4) return false;
    const uint32_t value_length = load_be32(properties.data() + pos);
    pos += 4;
    if (end - pos < value_length) return false;
    if (!*found && name_equals(name_bytes, name_length, name)) {
      *found = true;
      *value = Span<const uint8_t>(properties.data() + pos, value_length);
    }
    pos += value_length;
  }
  return true;
}

}  // namespace fedgate::zmtp::wire
