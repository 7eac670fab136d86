// ComputeModel: the virtual time each client needs for one gradient.
//
//   fixed        h_i = base
//   sqrt         h_i = sqrt(i + 1) * base       (Shadowheart's h_i = sqrt(i), 1-based)
//   exponential  a fresh Exp(mean = base) draw for every gradient
//   straggler    h_i = base, the last client base * straggler_factor (Mishchenko)
//   mix          the last round(slow_fraction * n) clients take base * slow_ratio,
//                the others base (Koloskova's 900 x 10 s / 100 x 60 s)
// With jitter j > 0 every draw is multiplied by U(1 - j, 1 + j) (the mean stays).
//
// Slow clients are always the last indices, so a per-client plot over the
// client index reads as fast-to-slow.
#pragma once

#include <cstdint>

#include "core/base/rng.h"
#include "sim/sim_config.h"

namespace fedgate {
namespace sim {

class ComputeModel {
 public:
  ComputeModel(const ComputeSpec& spec, uint32_t clients);

  // The mean time of client `index` per gradient, in microseconds.
  double mean_us(uint32_t index) const;
  // The time of one gradient of client `index`; `rng` is that client's own
  // generator (the exponential model and jitter draw from it).
  int64_t sample_us(uint32_t index, Rng& rng) const;

 private:
  ComputeSpec spec_;
  uint32_t clients_;
  uint32_t first_slow_;  // mix: clients from this index on are slow
};

}  // namespace sim
}  // namespace fedgate
