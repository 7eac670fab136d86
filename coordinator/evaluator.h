// Evaluator: test-set loss and accuracy of a parameter vector.
#pragma once

#include <memory>
#include <vector>

#include "core/data/dataset.h"
#include "core/models/model.h"

namespace fedgate {

struct Evaluation {
  double accuracy = 0;  // fraction correct (0 for regression)
  double loss = 0;      // mean loss
};

class Evaluator {
 public:
  // Takes ownership of the test data; `model` must outlive the evaluator.
  Evaluator(const Model& model, Dataset test_data);
  Evaluation evaluate(Span<const float> params);
  size_t samples() const { return data_.size(); }

 private:
  static constexpr size_t kRowsPerChunk = 1000;
  const Model& model_;
  Dataset data_;
  std::vector<float> workspace_;
};

}  // namespace fedgate
