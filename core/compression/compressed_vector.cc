#include "core/compression/compressed_vector.h"

#include <cmath>

namespace fedgate {

double CompressedVector::norm() const {
  double sum = 0;
  for (float value : values) sum += static_cast<double>(value) * value;
  return std::fabs(static_cast<double>(scale)) * std::sqrt(sum);
}

void expand(const CompressedVector& v, Span<float> dense) {
  for (float& x : dense) x = 0.0f;
  for_each_entry(v, [&](uint32_t index, float value) {
    if (index < dense.size()) dense[index] = value;
  });
}

}  // namespace fedgate
