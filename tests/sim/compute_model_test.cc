#include "sim/compute_model.h"

#include <gtest/gtest.h>

namespace fedgate::sim {
namespace {

ComputeSpec spec(ComputeKind kind) {
  ComputeSpec s;
  s.kind = kind;
  s.base_ms = 10;
  return s;
}

TEST(ComputeModel, FixedIsBaseForEveryone) {
  ComputeModel model(spec(ComputeKind::kFixed), 5);
  Rng rng(1);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(model.sample_us(i, rng), 10000);
}

TEST(ComputeModel, SqrtSpreadsByTheSquareRootOfTheOneBasedIndex) {
  ComputeModel model(spec(ComputeKind::kSqrt), 16);
  Rng rng(1);
  EXPECT_EQ(model.sample_us(0, rng), 10000);   // sqrt(1)
  EXPECT_EQ(model.sample_us(3, rng), 20000);   // sqrt(4)
  EXPECT_EQ(model.sample_us(8, rng), 30000);   // sqrt(9)
  EXPECT_EQ(model.sample_us(15, rng), 40000);  // sqrt(16)
}

TEST(ComputeModel, StragglerIsTheLastClient) {
  ComputeModel model(spec(ComputeKind::kStraggler), 40);
  Rng rng(1);
  EXPECT_EQ(model.sample_us(0, rng), 10000);
  EXPECT_EQ(model.sample_us(38, rng), 10000);
  EXPECT_EQ(model.sample_us(39, rng), 1000000);  // 100x
}

TEST(ComputeModel, MixMakesTheLastFractionSlow) {
  ComputeSpec s = spec(ComputeKind::kMix);
  s.slow_fraction = 0.1;
  s.slow_ratio = 6;
  ComputeModel model(s, 1000);  // Koloskova's 900 x 10 s / 100 x 60 s, in ms
  Rng rng(1);
  EXPECT_EQ(model.sample_us(899, rng), 10000);
  EXPECT_EQ(model.sample_us(900, rng), 60000);
  EXPECT_EQ(model.sample_us(999, rng), 60000);
}

TEST(ComputeModel, ExponentialDrawsAroundTheMean) {
  ComputeModel model(spec(ComputeKind::kExponential), 1);
  Rng rng(7);
  const int n = 20000;
  double sum = 0, sum_sq = 0;
  int64_t lowest = INT64_MAX;
  for (int k = 0; k < n; ++k) {
    const double us = static_cast<double>(model.sample_us(0, rng));
    sum += us;
    sum_sq += us * us;
    lowest = std::min<int64_t>(lowest, static_cast<int64_t>(us));
  }
  const double mean = sum / n;
  // Exp(mean 10 ms): mean 10000 us, standard deviation equal to the mean.
  EXPECT_NEAR(mean, 10000, 300);  // 3 standard errors (10000 / sqrt(20000) = 71)
  EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean), 10000, 500);
  EXPECT_LT(lowest, 100);
}

TEST(ComputeModel, JitterSpreadsFixedTimesUniformlyAroundTheMean) {
  ComputeSpec s = spec(ComputeKind::kFixed);
  s.jitter = 0.5;
  ComputeModel model(s, 1);
  Rng rng(3);
  const int n = 20000;
  double sum = 0;
  int64_t lowest = INT64_MAX, highest = 0;
  for (int k = 0; k < n; ++k) {
    const int64_t us = model.sample_us(0, rng);
    sum += static_cast<double>(us);
    lowest = std::min(lowest, us);
    highest = std::max(highest, us);
  }
  // U(5000, 15000) us: mean 10000, standard error 2887 / sqrt(20000) = 20.
  EXPECT_NEAR(sum / n, 10000, 80);
  EXPECT_GE(lowest, 5000);
  EXPECT_LT(lowest, 5100);
  EXPECT_LE(highest, 15000);
  EXPECT_GT(highest, 14900);
}

}  // namespace
}  // namespace fedgate::sim
