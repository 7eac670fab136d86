// Dataset: samples held in memory as a row-major float matrix with labels.
// Clients and the simulator share one Dataset and address their partition
// through index lists, so N virtual clients do not mean N copies of the data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fedgate {

struct Dataset {
  uint32_t num_features = 0;
  uint32_t num_classes = 0;     // 0 for regression data
  std::vector<float> features;  // size() * num_features values, row-major
  std::vector<int32_t> labels;  // classification labels in [0, num_classes), or empty
  std::vector<float> targets;   // regression targets, or empty

  size_t size() const { return num_features == 0 ? 0 : features.size() / num_features; }
  const float* row(size_t i) const { return features.data() + i * num_features; }
};

// A minibatch as the models read it: `rows` consecutive samples.
struct Batch {
  const float* features = nullptr;  // rows * num_features, row-major
  const int32_t* labels = nullptr;  // rows labels, or nullptr for regression
  const float* targets = nullptr;   // rows targets, or nullptr for classification
  size_t rows = 0;
};

}  // namespace fedgate
