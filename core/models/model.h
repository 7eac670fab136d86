// Model: a differentiable model over a flat float parameter vector.
//
// Parameters live outside the model (the coordinator's global vector, a
// client's received copy, a firmware's static array); a model object only
// knows shapes and maths, holds no heap memory and never throws. Scratch memory
// is caller-owned: ask workspace_floats(rows) once, allocate it at start-up,
// and pass it to every call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"
#include "core/data/dataset.h"

namespace fedgate {

enum class ModelKind : uint8_t { kLeastSquares = 0, kBinaryLogistic = 1, kSoftmax = 2, kMlp = 3 };

struct ModelSpec {
  ModelKind kind = ModelKind::kSoftmax;
  uint32_t num_features = 0;
  uint32_t num_classes = 0;   // 1 for least squares, 2 for binary logistic
  uint32_t hidden_units = 0;  // Mlp only
  // Least squares only: the intercept b. Off, the model is the plain quadratic
  // (1/2n)|Aw - y|^2 of Mishchenko et al., whose L the bias would change.
  bool bias = true;
};

struct EvalResult {
  double loss_sum = 0;  // sum of per-sample losses
  size_t correct = 0;   // correctly classified samples (0 for regression)
  size_t samples = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  virtual ModelSpec spec() const = 0;
  // Number of parameters.
  virtual size_t dim() const = 0;
  // Scratch floats that loss_and_gradient / evaluate need for `rows` samples.
  virtual size_t workspace_floats(size_t rows) const = 0;

  // Mean loss over the batch; writes the gradient of that mean to `grad`
  // (dim() floats). Preconditions: params.size() == grad.size() == dim(),
  // workspace.size() >= workspace_floats(batch.rows).
  virtual float loss_and_gradient(Span<const float> params, const Batch& batch, Span<float> grad,
                                  Span<float> workspace) const = 0;

  // Loss and accuracy counts over the batch (any number of rows up to what the
  // workspace was sized for).
  virtual EvalResult evaluate(Span<const float> params, const Batch& batch,
                              Span<float> workspace) const = 0;

  // Initial parameters: zeros for the linear models, scaled uniform for the MLP.
  virtual void init_params(Span<float> params, uint64_t seed) const = 0;
};

}  // namespace fedgate
