#include "core/compression/tensor_layout.h"

namespace fedgate {

size_t model_tensor_sizes(wire::ModelKind kind, uint32_t num_features, uint32_t num_classes,
                          uint32_t hidden_units, uint32_t sizes[4]) {
  switch (kind) {
    case wire::ModelKind::LeastSquares:
    case wire::ModelKind::BinaryLogistic:
      sizes[0] = num_features;  // w | b
      sizes[1] = 1;
      return 2;
    case wire::ModelKind::Softmax:
      sizes[0] = num_classes * num_features;  // W | b
      sizes[1] = num_classes;
      return 2;
    case wire::ModelKind::Mlp:
      sizes[0] = hidden_units * num_features;  // W1 | b1 | W2 | b2
      sizes[1] = hidden_units;
      sizes[2] = num_classes * hidden_units;
      sizes[3] = num_classes;
      return 4;
  }
  return 0;
}

}  // namespace fedgate
