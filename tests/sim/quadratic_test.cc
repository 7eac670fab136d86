#include "sim/quadratic.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fedgate::sim {
namespace {

TEST(Quadratic, OptimumOfAHandComputedLineFit) {
  // Points (0, 1), (1, 2), (2, 4): best line y = 1.5 x + 5/6, residuals
  // -1/6, 1/3, -1/6, so F* = 0.5 * (1/36 + 1/9 + 1/36) / 3 = 1/36.
  Dataset data;
  data.num_features = 1;
  data.features = {0, 1, 2};
  data.targets = {1, 2, 4};
  EXPECT_NEAR(least_squares_optimum(data), 1.0 / 36.0, 1e-12);
}

TEST(Quadratic, GeneratedProblemHasTheShapeAndScaleAsked) {
  QuadraticSpec spec;
  spec.rows = 500;
  spec.features = 40;
  spec.noise = 0;
  const Dataset data = make_quadratic_dataset(spec, 3);
  ASSERT_EQ(data.size(), 500u);
  EXPECT_EQ(data.num_features, 40u);
  EXPECT_TRUE(data.labels.empty());
  ASSERT_EQ(data.targets.size(), 500u);
  const float limit = 1.0f / std::sqrt(40.0f);
  for (float value : data.features) {
    ASSERT_GE(value, 0.0f);
    ASSERT_LT(value, limit);
  }
  // Noise-free and b = A x*: the optimum fits exactly (up to float rounding of b).
  EXPECT_LT(least_squares_optimum(data), 1e-10);
}

TEST(Quadratic, NoiseSetsTheOptimum) {
  QuadraticSpec spec;
  spec.rows = 2000;
  spec.features = 20;
  spec.noise = 0.1;
  const double f_star = least_squares_optimum(make_quadratic_dataset(spec, 3));
  // Residual of least squares with p = 21 parameters: E = 0.5 * noise^2 * (n - p) / n.
  EXPECT_NEAR(f_star, 0.5 * 0.01 * (2000.0 - 21.0) / 2000.0, 0.0005);
}

TEST(Quadratic, SameSeedSameProblem) {
  QuadraticSpec spec;
  spec.rows = 50;
  spec.features = 8;
  const Dataset a = make_quadratic_dataset(spec, 11), b = make_quadratic_dataset(spec, 11);
  const Dataset c = make_quadratic_dataset(spec, 12);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.targets, b.targets);
  EXPECT_NE(a.features, c.features);
}

}  // namespace
}  // namespace fedgate::sim
