// RandkIndices: the k coordinates out of d that a rand-k message with `seed`
// carries. Encoder and decoder run this same stream, so the indices never
// cross the wire. Selection sampling (Knuth, TAOCP 3.4.2, Algorithm S) gives
// exactly k distinct indices in increasing order with O(1) memory, which both
// a microcontroller and the coordinator can afford; the Rng is portable, so
// every architecture draws the same indices.
#pragma once

#include <cstdint>

#include "core/base/rng.h"

namespace fedgate {

class RandkIndices {
 public:
  RandkIndices(uint32_t seed, uint32_t dim, uint32_t k)
      : rng_(0x52414E444Bull ^ (static_cast<uint64_t>(seed) << 20)), dim_(dim), left_(k) {}

  // The next index, increasing; false once all k were produced.
  bool next(uint32_t* index) {
    while (left_ > 0 && at_ < dim_) {
      const uint32_t candidate = at_++;
      // Take `candidate` with probability left / remaining.
      if (rng_.uniform(dim_ - candidate) < left_) {
        --left_;
        *index = candidate;
        return true;
      }
    }
    return false;
  }

 private:
  Rng rng_;
  uint32_t dim_;
  uint32_t left_;
  uint32_t at_ = 0;
};

}  // namespace fedgate
