// RandKCompressor: k coordinates drawn uniformly without replacement from a
// fresh per-message seed, scaled by d/k so the decoded vector is an unbiased
// estimate of the input (omega = d/k - 1, Shadowheart). Only the seed and the
// k values travel; RandkIndices regenerates the indices on the coordinator.
#pragma once

#include "core/base/rng.h"
#include "core/compression/compressor.h"

namespace fedgate {

class RandKCompressor : public Compressor {
 public:
  // `values` holds k floats; `seed` starts this client's stream of message seeds.
  RandKCompressor(uint32_t dim, uint32_t k, uint64_t seed, Span<float> values)
      : dim_(dim), k_(k), rng_(seed), values_(values) {}

  const char* name() const override { return "randk"; }
  wire::Codec codec() const override { return wire::Codec::RandK; }
  CompressedVector compress(Span<const float> vector) override;
  size_t max_payload_bytes() const override { return size_t{k_} * sizeof(float); }
  uint32_t k() const { return k_; }

 private:
  uint32_t dim_;
  uint32_t k_;
  Rng rng_;
  Span<float> values_;
};

}  // namespace fedgate
