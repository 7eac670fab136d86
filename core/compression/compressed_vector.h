// CompressedVector: one vector as it crosses the wire (dense, top-k or rand-k),
// a view into memory its producer owns. expand() turns it back into the dense
// vector the coordinator applies: the single definition of what a compressed
// message means, shared by the decoder, error feedback and the tests.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

struct CompressedVector {
  wire::Codec codec = wire::Codec::Dense;
  uint32_t dim = 0;              // length of the dense vector it stands for
  Span<const float> values;      // Dense: dim values; TopK/RandK: k values
  Span<const uint32_t> indices;  // TopK only: increasing, each < dim
  uint32_t seed = 0;             // RandK only: RandkIndices(seed, dim, k)
  float scale = 1.0f;            // every value is multiplied by it

  // L2 norm of the dense vector it stands for (double accumulation).
  double norm() const;
};

// Calls fn(index, scaled value) for every coordinate the vector carries, in
// increasing index order. Preconditions: the vector is well formed (the wire
// decoder checks that before calling).
template <typename Fn>
void for_each_entry(const CompressedVector& v, Fn&& fn);

// Writes the dense vector into `dense` (v.dim floats): zeros where nothing was sent.
void expand(const CompressedVector& v, Span<float> dense);

}  // namespace fedgate

#include "core/compression/randk_indices.h"

namespace fedgate {

template <typename Fn>
void for_each_entry(const CompressedVector& v, Fn&& fn) {
  switch (v.codec) {
    case wire::Codec::TopK:
      for (size_t j = 0; j < v.values.size(); ++j) fn(v.indices[j], v.scale * v.values[j]);
      return;
    case wire::Codec::RandK: {
      RandkIndices indices(v.seed, v.dim, static_cast<uint32_t>(v.values.size()));
      uint32_t index = 0;
      for (size_t j = 0; j < v.values.size() && indices.next(&index); ++j) {
        fn(index, v.scale * v.values[j]);
      }
      return;
    }
    case wire::Codec::Dense:
    default:
      for (size_t j = 0; j < v.values.size(); ++j) {
        fn(static_cast<uint32_t>(j), v.scale * v.values[j]);
      }
      return;
  }
}

}  // namespace fedgate
