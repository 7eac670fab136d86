// ZMTP 3.x wire constants and encoders (RFC 23, RFC 37), shared by the client and its tests.
// Encoders write into caller-owned buffers and report the size written; nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"

namespace fedgate::zmtp::wire {

constexpr size_t kGreetingSize = 64;
constexpr uint8_t kFlagMore = 0x01;
constexpr uint8_t kFlagLong = 0x02;
constexpr uint8_t kFlagCommand = 0x04;
constexpr uint8_t kFlagReservedMask = 0xF8;  // must be zero; a greeting's 0xFF sets them all
constexpr size_t kMaxFrameHeader = 9;        // flags + 8-byte size
constexpr size_t kMaxShortFrame = 255;
constexpr size_t kMaxPingContext = 16;       // RFC 37: PING context is at most 16 bytes
constexpr size_t kMaxSocketTypeLength = 16;  // longest socket type name we send or accept
constexpr size_t kMaxIdentityLength = 255;   // RFC 23: identity is 0 to 255 bytes

// Our greeting: signature FF 00*8 7F, version 3.0, mechanism NULL, as-server 0, zero filler.
extern const uint8_t kGreeting[kGreetingSize];

// Writes the header of a frame holding `size` bytes: a short frame up to 255 bytes, else a long
// one (kFlagLong is added here). `flags` carries kFlagMore / kFlagCommand. Returns 2 or 9.
size_t encode_frame_header(uint8_t flags, uint64_t size, uint8_t (&out)[kMaxFrameHeader]);

// Size of the READY command body for these properties (name + Socket-Type + Identity).
size_t ready_body_size(size_t socket_type_length, size_t identity_length);

// Reads a big-endian integer.
uint32_t load_be32(const uint8_t* p);
uint64_t load_be64(const uint8_t* p);
void store_be32(uint32_t value, uint8_t* p);

// Walks a READY/ERROR-style property list `name-len name value-len(4, BE) value ...`.
// Returns false if it does not parse to its exact end. On success, *value is the value of the
// property whose name equals `name` ignoring ASCII case (RFC 23), and *found says whether there
// was one.
bool find_property(Span<const uint8_t> properties, const char* name, Span<const uint8_t>* value,
                   bool* found);

}  // namespace fedgate::zmtp::wire
