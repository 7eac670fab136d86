#include "coordinator/evaluator.h"

#include <limits>

#include "core/models/model_factory.h"
#include "core/protocol/codec.h"

namespace fedgate {

Evaluator::Evaluator(const Model& model, Dataset test_data)
    : model_(model),
      data_(std::move(test_data)),
      workspace_(model.workspace_floats(kRowsPerChunk)) {}

Evaluation Evaluator::evaluate(Span<const float> params) {
  const EvalResult result = evaluate_dataset(model_, params, data_, workspace_, kRowsPerChunk);
  Evaluation evaluation;
  if (result.samples > 0) {
    evaluation.accuracy = static_cast<double>(result.correct) / static_cast<double>(result.samples);
    evaluation.loss = result.loss_sum / static_cast<double>(result.samples);
  }
  // A non-finite model has no loss worth printing: NaN (null in the metrics,
  // health "non-finite-loss"), never a number that looks healthy.
  if (!all_finite(params)) evaluation.loss = std::numeric_limits<double>::quiet_NaN();
  return evaluation;
}

}  // namespace fedgate
