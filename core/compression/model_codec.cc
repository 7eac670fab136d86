#include "core/compression/model_codec.h"

#include <cmath>
#include <cstring>

#include "core/base/crc32.h"

namespace fedgate {
namespace {

uint32_t float_bits(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float bits_float(uint32_t bits) {
  float value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

// Largest quantized magnitude of a delta encoding.
int levels(wire::ModelEncoding encoding) {
  return encoding == wire::ModelEncoding::Int4Delta ? 7 : 127;
}

// The smallest power of two s with max_abs / s <= levels, at least 2^-100 so
// s * q stays a normal float (exactly representable).
float power_of_two_scale(float max_abs, int levels) {
  int exponent = 0;
  const float mantissa = std::frexp(max_abs / static_cast<float>(levels), &exponent);
  if (mantissa == 0.5f) --exponent;  // already a power of two
  if (max_abs == 0 || exponent < -100) exponent = -100;
  return std::ldexp(1.0f, exponent);
}

int quantized(Span<const uint8_t> packed, wire::ModelEncoding encoding, size_t i) {
  if (encoding == wire::ModelEncoding::Int8Delta) return static_cast<int8_t>(packed[i]);
  const int nibble = (packed[i / 2] >> (4 * (i % 2))) & 0xF;
  return nibble >= 8 ? nibble - 16 : nibble;
}

}  // namespace

size_t model_encoding_bytes(wire::ModelEncoding encoding, size_t count) {
  switch (encoding) {
    case wire::ModelEncoding::Dense: return 0;
    case wire::ModelEncoding::Fp16: return 2 * count;
    case wire::ModelEncoding::Int8Delta: return count;
    case wire::ModelEncoding::Int4Delta: return (count + 1) / 2;
  }
  return 0;
}

// Round to nearest even in integer arithmetic (F. Giesen's float_to_half_fast3_rtne).
uint16_t float_to_half(float value) {
  constexpr uint32_t kF32Infinity = 255u << 23;
  constexpr uint32_t kF16Overflow = (127u + 16u) << 23;  // 65536: rounds to Inf
  constexpr uint32_t kDenormMagic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
  uint32_t bits = float_bits(value);
  const uint32_t sign = bits & 0x80000000u;
  bits ^= sign;
  uint16_t half = 0;
  if (bits >= kF16Overflow) {
    half = bits > kF32Infinity ? 0x7E00 : 0x7C00;  // NaN stays NaN, too large is Inf
  } else if (bits < (113u << 23)) {
    // Below the smallest normal half: let a float addition do the rounding.
    const float shifted = bits_float(bits) + bits_float(kDenormMagic);
    half = static_cast<uint16_t>(float_bits(shifted) - kDenormMagic);
  } else {
    const uint32_t mantissa_odd = (bits >> 13) & 1u;
    bits += ((15u - 127u) << 23) + 0xFFFu;  // rebias the exponent, round half up ...
    bits += mantissa_odd;                   // ... or to even
    half = static_cast<uint16_t>(bits >> 13);
  }
  return static_cast<uint16_t>(half | (sign >> 16));
}

float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1Fu;
  const uint32_t mantissa = half & 0x3FFu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mantissa) * 5.9604644775390625e-8f;
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exponent == 31) return bits_float(sign | 0x7F800000u | (mantissa << 13));
  return bits_float(sign | ((exponent + 127u - 15u) << 23) | (mantissa << 13));
}

float encode_model_chunk(wire::ModelEncoding encoding, Span<const float> target, Span<float> held,
                         Span<uint8_t> packed) {
  const size_t count = target.size();
  switch (encoding) {
    case wire::ModelEncoding::Dense:
      std::memcpy(held.data(), target.data(), count * sizeof(float));
      return 1;
    case wire::ModelEncoding::Fp16:
      for (size_t i = 0; i < count; ++i) {
        const uint16_t half = float_to_half(target[i]);
        packed[2 * i] = static_cast<uint8_t>(half & 0xFF);
        packed[2 * i + 1] = static_cast<uint8_t>(half >> 8);
        held[i] = half_to_float(half);
      }
      return 1;
    case wire::ModelEncoding::Int8Delta:
    case wire::ModelEncoding::Int4Delta: break;
  }
  float max_abs = 0;
  for (size_t i = 0; i < count; ++i) max_abs = std::fmax(max_abs, std::fabs(target[i] - held[i]));
  if (!std::isfinite(max_abs)) return 0;
  const int top = levels(encoding);
  const float scale = power_of_two_scale(max_abs, top);
  if (encoding == wire::ModelEncoding::Int4Delta) {
    std::memset(packed.data(), 0, model_encoding_bytes(encoding, count));
  }
  for (size_t i = 0; i < count; ++i) {
    long q = std::lround((target[i] - held[i]) / scale);
    q = q > top ? top : (q < -top ? -top : q);
    if (encoding == wire::ModelEncoding::Int8Delta) {
      packed[i] = static_cast<uint8_t>(static_cast<int8_t>(q));
    } else {
      packed[i / 2] = static_cast<uint8_t>(packed[i / 2] | ((q & 0xF) << (4 * (i % 2))));
    }
    // What the client computes (decode_model_value), so both copies agree bit for bit.
    held[i] = held[i] + scale * static_cast<float>(q);
  }
  return scale;
}

float decode_model_value(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                         size_t i, float base) {
  switch (encoding) {
    case wire::ModelEncoding::Dense: return base;
    case wire::ModelEncoding::Fp16:
      return half_to_float(static_cast<uint16_t>(packed[2 * i] | (packed[2 * i + 1] << 8)));
    case wire::ModelEncoding::Int8Delta:
    case wire::ModelEncoding::Int4Delta: break;
  }
  return base + scale * static_cast<float>(quantized(packed, encoding, i));
}

uint32_t decoded_chunk_crc(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                           Span<const float> held, bool* finite) {
  uint32_t crc = 0;
  bool all_finite = true;
  for (size_t i = 0; i < held.size(); ++i) {
    const float value = decode_model_value(encoding, packed, scale, i, held[i]);
    all_finite = all_finite && std::isfinite(value);
    crc = crc32_update(crc, &value, sizeof(value));
  }
  *finite = all_finite;
  return crc;
}

void apply_model_chunk(wire::ModelEncoding encoding, Span<const uint8_t> packed, float scale,
                       Span<float> held) {
  for (size_t i = 0; i < held.size(); ++i) {
    held[i] = decode_model_value(encoding, packed, scale, i, held[i]);
  }
}

}  // namespace fedgate
