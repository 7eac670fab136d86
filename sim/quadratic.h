// The least-squares problem of Mishchenko et al. (ASGD beats minibatch SGD):
// A in R^{rows x features}, entries uniform in [0, 1) / sqrt(features),
// x* ~ N(0, I), b = A x* + noise * N(0, 1). Generated from a seed with the
// portable Rng, so every machine builds the same problem.
#pragma once

#include <cstdint>

#include "core/data/dataset.h"
#include "sim/sim_config.h"

namespace fedgate {
namespace sim {

// A regression Dataset (features = A, targets = b, no labels).
Dataset make_quadratic_dataset(const QuadraticSpec& spec, uint64_t seed);

// F* = min over (w, c) of (1/2n) sum_j (a_j . w + c - b_j)^2: the optimum of the
// least_squares model (with `bias`, c is a parameter; without, c = 0), from the
// normal equations in double precision.
double least_squares_optimum(const Dataset& data, bool bias = true);

}  // namespace sim
}  // namespace fedgate
