// Model downlink codecs: how a ModelChunk carries the weights a client is to
// hold (docs/protocol.md, "Model downlink encodings").
//
//   Dense      float32, 4 bytes a value (what protocol 1 always sent)
//   Fp16       IEEE half floats, 2 bytes a value
//   Int8Delta  base + scale * q, q in -127..127, 1 byte a value
//   Int4Delta  base + scale * q, q in -7..7, half a byte a value
//
// The delta encodings code the difference to exactly what the client holds
// (its reference). The sender applies the same dequantized delta to its copy
// of that reference, so quantization error never accumulates. The scale is a
// power of two: scale * q is then exact and base + scale * q rounds once, the
// same on every machine with or without fused multiply-add, so the client's
// model and the sender's copy stay bit-identical (the chunk's CRC checks it).
//
// Device-safe: no allocation, no exceptions; the caller owns every buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

// True for the encodings that code a difference to the client's model.
constexpr bool is_delta_encoding(wire::ModelEncoding encoding) {
  return encoding == wire::ModelEncoding::Int8Delta || encoding == wire::ModelEncoding::Int4Delta;
}

// Bytes of `packed` that `count` values take (0 for Dense, which uses `weights`).
size_t model_encoding_bytes(wire::ModelEncoding encoding, size_t count);

// IEEE 754 binary16 conversions (round to nearest even; Inf and NaN kept).
uint16_t float_to_half(float value);
float half_to_float(uint16_t half);

// Sender side. Encodes `target` into `packed` (model_encoding_bytes() long).
// `held`: on entry what the client holds for these positions (read only by the
// delta encodings), on return what it will hold after decoding. Returns the
// chunk's scale (delta encodings; 1 otherwise), or 0 when the delta is not
// finite and the chunk must go dense.
float encode_model_chunk(wire::ModelEncoding encoding, Span<const float> target, Span<float> held,
                         Span<uint8_t> packed);

// Receiver side: value i of a chunk, given the value the client holds there
// (`base`, used by the delta encodings).
float decode_model_value(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                         size_t i, float base);

// CRC-32 of the chunk's decoded float32 values over `held` (what the client
// holds at those positions) and whether they are all finite; nothing is written,
// so a bad chunk leaves the model untouched.
uint32_t decoded_chunk_crc(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                           Span<const float> held, bool* finite);

// Writes the decoded values over `held` in place.
void apply_model_chunk(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                       Span<float> held);

}  // namespace fedgate
