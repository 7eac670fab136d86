#include "core/compression/randk_compressor.h"

namespace fedgate {

CompressedVector RandKCompressor::compress(Span<const float> vector) {
  CompressedVector out;
  out.codec = wire::Codec::RandK;
  out.dim = dim_;
  out.seed = rng_.next_u32();
  out.scale = static_cast<float>(static_cast<double>(dim_) / k_);
  RandkIndices indices(out.seed, dim_, k_);
  uint32_t index = 0;
  size_t j = 0;
  while (j < k_ && indices.next(&index)) values_[j++] = vector[index];
  out.values = Span<const float>(values_.data(), j);
  return out;
}

}  // namespace fedgate
