// TopKCompressor: per tensor, keeps the k_l = max(1, floor(h * numel_l))
// values of largest magnitude (SASG: h = 0.01) and sends them with their
// global indices, increasing. Ties go to the lower index so the choice is
// deterministic. Memory: `values` and `indices` hold k_total = sum_l k_l each.
#pragma once

#include "core/compression/compressor.h"

namespace fedgate {

class TopKCompressor : public Compressor {
 public:
  static constexpr size_t kMaxTensors = 8;

  // k of each tensor for fraction h in (0, 1]; returns their sum.
  static uint32_t total_k(Span<const uint32_t> tensor_sizes, double fraction);

  // `tensor_sizes` must sum to dim (at most kMaxTensors; one tensor if empty).
  TopKCompressor(uint32_t dim, Span<const uint32_t> tensor_sizes, double fraction,
                 Span<float> values, Span<uint32_t> indices);

  const char* name() const override { return "topk"; }
  wire::Codec codec() const override { return wire::Codec::TopK; }
  CompressedVector compress(Span<const float> vector) override;
  size_t max_payload_bytes() const override { return size_t{k_total_} * 8; }
  uint32_t k() const { return k_total_; }

 private:
  uint32_t dim_;
  uint32_t tensor_sizes_[kMaxTensors] = {};
  size_t tensors_ = 0;
  double fraction_;
  uint32_t k_total_;
  Span<float> values_;
  Span<uint32_t> indices_;
};

}  // namespace fedgate
