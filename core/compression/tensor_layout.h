// The tensors of each model's flat parameter vector, in order (see the layout
// comments in core/models/*.h). Top-k is per tensor (SASG): a bias vector is
// not starved by a large weight matrix.
#pragma once

#include <cstddef>
#include <cstdint>

#include "schemas/fedgate_generated.h"

namespace fedgate {

// Writes up to 4 tensor sizes to `sizes`; returns how many. 0 if the kind is
// unknown (the caller then treats the vector as one tensor).
size_t model_tensor_sizes(wire::ModelKind kind, uint32_t num_features, uint32_t num_classes,
                          uint32_t hidden_units, uint32_t sizes[4]);

}  // namespace fedgate
