// DenseCompressor: sends every value (the default; what protocol 1 always did).
#pragma once

#include "core/compression/compressor.h"

namespace fedgate {

class DenseCompressor : public Compressor {
 public:
  explicit DenseCompressor(uint32_t dim) : dim_(dim) {}
  const char* name() const override { return "dense"; }
  wire::Codec codec() const override { return wire::Codec::Dense; }
  CompressedVector compress(Span<const float> vector) override {
    CompressedVector out;
    out.codec = wire::Codec::Dense;
    out.dim = dim_;
    out.values = vector.subspan(0, dim_);
    return out;
  }
  size_t max_payload_bytes() const override { return static_cast<size_t>(dim_) * sizeof(float); }

 private:
  uint32_t dim_;
};

}  // namespace fedgate
