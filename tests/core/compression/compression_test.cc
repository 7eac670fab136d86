#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/compression/dense_compressor.h"
#include "core/compression/error_feedback.h"
#include "core/compression/randk_compressor.h"
#include "core/compression/tensor_layout.h"
#include "core/compression/topk_compressor.h"

namespace fedgate {
namespace {

std::vector<uint32_t> to_vector(Span<const uint32_t> s) { return {s.begin(), s.end()}; }
std::vector<float> to_vector(Span<const float> s) { return {s.begin(), s.end()}; }

std::vector<float> decoded(const CompressedVector& v) {
  std::vector<float> dense(v.dim);
  expand(v, dense);
  return dense;
}

TEST(TopK, PicksLargestMagnitudesWithTiesToTheLowerIndex) {
  const std::vector<float> v = {0.1f, -5, 3, 0.2f, -3, 4};
  std::vector<float> values(3);
  std::vector<uint32_t> indices(3);
  TopKCompressor topk(6, {}, 0.5, values, indices);  // k = floor(0.5 * 6) = 3
  EXPECT_EQ(topk.k(), 3u);
  const CompressedVector c = topk.compress(v);
  EXPECT_EQ(c.codec, wire::Codec::TopK);
  // |-5| at 1, |4| at 5, then 3 at 2 beats -3 at 4 on the index.
  EXPECT_EQ(to_vector(c.indices), (std::vector<uint32_t>{1, 2, 5}));
  EXPECT_EQ(to_vector(c.values), (std::vector<float>{-5, 3, 4}));
  EXPECT_EQ(decoded(c), (std::vector<float>{0, -5, 3, 0, 0, 4}));
  EXPECT_NEAR(c.norm(), std::sqrt(50.0), 1e-9);
  EXPECT_EQ(topk.max_payload_bytes(), 24u);
}

TEST(TopK, FractionAppliesPerTensorWithAtLeastOnePerTensor) {
  const std::vector<float> v = {0.1f, -5, 3, 0.2f, -3, 4};
  const uint32_t tensors[] = {4, 2};
  std::vector<float> values(3);
  std::vector<uint32_t> indices(3);
  // Tensor 0 keeps floor(0.5 * 4) = 2, tensor 1 floor(0.5 * 2) = 1: index 4 (|-3|)
  // loses to 5 (|4|) inside its own tensor even though it beats tensor 0's 0.2.
  TopKCompressor topk(6, Span<const uint32_t>(tensors, 2), 0.5, values, indices);
  const CompressedVector c = topk.compress(v);
  EXPECT_EQ(to_vector(c.indices), (std::vector<uint32_t>{1, 2, 5}));
  const uint32_t small[] = {10, 1};
  EXPECT_EQ(TopKCompressor::total_k(Span<const uint32_t>(small, 2), 0.01),
            2u);                                    // max(1, 0) + max(1, 0)
  const uint32_t sasg[] = {401408, 512, 5120, 10};  // MNIST-FC of the SASG table
  EXPECT_EQ(TopKCompressor::total_k(Span<const uint32_t>(sasg, 4), 0.01), 4014u + 5 + 51 + 1);
}

TEST(TopK, LayoutThatDoesNotSumToDimIsOneTensor) {
  const std::vector<float> v = {1, 2, 3, 4};
  const uint32_t wrong[] = {3, 3};
  std::vector<float> values(2);
  std::vector<uint32_t> indices(2);
  TopKCompressor topk(4, Span<const uint32_t>(wrong, 2), 0.5, values, indices);
  EXPECT_EQ(to_vector(topk.compress(v).indices), (std::vector<uint32_t>{2, 3}));
}

TEST(ErrorFeedback, ResidualAfterTwoStepsAndDiscard) {
  std::vector<float> values(1), residual(4), scratch(4);
  std::vector<uint32_t> indices(1);
  TopKCompressor topk(4, {}, 0.25, values, indices);  // k = 1
  ErrorFeedback ef(topk, residual, scratch);

  // Step 1: u = g1 = [1, 2, 3, 0.5]; 3 at index 2 goes out; e = [1, 2, 0, 0.5].
  CompressedVector c = ef.compress(std::vector<float>{1, 2, 3, 0.5f});
  EXPECT_EQ(to_vector(c.indices), (std::vector<uint32_t>{2}));
  EXPECT_EQ(to_vector(c.values), (std::vector<float>{3}));
  ef.commit();
  EXPECT_EQ(to_vector(ef.residual()), (std::vector<float>{1, 2, 0, 0.5f}));

  // Step 2: u = [1, 0.5, 1, 0] + e = [2, 2.5, 1, 0.5]; 2.5 at index 1 goes out.
  c = ef.compress(std::vector<float>{1, 0.5f, 1, 0});
  EXPECT_EQ(to_vector(c.indices), (std::vector<uint32_t>{1}));
  EXPECT_EQ(to_vector(c.values), (std::vector<float>{2.5f}));
  ef.commit();
  EXPECT_EQ(to_vector(ef.residual()), (std::vector<float>{2, 0, 1, 0.5f}));

  // A vector that never went out (rejected offer) leaves the residual alone.
  ef.compress(std::vector<float>{9, 9, 9, 9});
  ef.discard();
  ef.commit();  // nothing pending: no effect
  EXPECT_EQ(to_vector(ef.residual()), (std::vector<float>{2, 0, 1, 0.5f}));
}

TEST(ErrorFeedback, SentPlusResidualEqualsEverythingEverFed) {
  // Invariant of error feedback: sum of decoded messages + e = sum of inputs.
  const uint32_t d = 16;
  std::vector<float> values(3), residual(d), scratch(d), sent(d, 0.0f), fed(d, 0.0f);
  std::vector<uint32_t> indices(3);
  TopKCompressor topk(d, {}, 0.2, values, indices);
  ErrorFeedback ef(topk, residual, scratch);
  Rng rng(5);
  for (int step = 0; step < 20; ++step) {
    std::vector<float> g(d);
    for (float& x : g) x = static_cast<float>(rng.normal());
    for (uint32_t i = 0; i < d; ++i) fed[i] += g[i];
    const CompressedVector c = ef.compress(g);
    for_each_entry(c, [&](uint32_t i, float value) { sent[i] += value; });
    ef.commit();
  }
  for (uint32_t i = 0; i < d; ++i) EXPECT_NEAR(sent[i] + residual[i], fed[i], 1e-4) << i;
}

TEST(RandK, IndicesAreKDistinctIncreasingAndReproducibleFromTheSeed) {
  for (uint32_t seed : {1u, 2u, 12345u}) {
    RandkIndices a(seed, 100, 7), b(seed, 100, 7);
    std::vector<uint32_t> first, second;
    for (uint32_t i; a.next(&i);) first.push_back(i);
    for (uint32_t i; b.next(&i);) second.push_back(i);
    ASSERT_EQ(first.size(), 7u);
    EXPECT_EQ(first, second);
    for (size_t j = 1; j < first.size(); ++j) EXPECT_LT(first[j - 1], first[j]);
    EXPECT_LT(first.back(), 100u);
  }
  // k = d takes everything.
  RandkIndices all(9, 5, 5);
  std::vector<uint32_t> every;
  for (uint32_t i; all.next(&i);) every.push_back(i);
  EXPECT_EQ(every, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(RandK, EncodesSeedAndScaleAndDecodesToTheSameCoordinates) {
  const std::vector<float> v = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> values(2);
  RandKCompressor randk(8, 2, /*seed=*/42, values);
  const CompressedVector c = randk.compress(v);
  EXPECT_EQ(c.codec, wire::Codec::RandK);
  EXPECT_FLOAT_EQ(c.scale, 4.0f);  // d / k
  EXPECT_TRUE(c.indices.empty());  // never sent
  ASSERT_EQ(c.values.size(), 2u);
  // The decoder, knowing only seed, d and k, finds the coordinates again.
  RandkIndices again(c.seed, 8, 2);
  uint32_t i0 = 0, i1 = 0;
  ASSERT_TRUE(again.next(&i0));
  ASSERT_TRUE(again.next(&i1));
  EXPECT_EQ(c.values[0], v[i0]);
  EXPECT_EQ(c.values[1], v[i1]);
  std::vector<float> expected(8, 0.0f);
  expected[i0] = 4 * v[i0];
  expected[i1] = 4 * v[i1];
  EXPECT_EQ(decoded(c), expected);
  // Each message draws a fresh mask seed.
  EXPECT_NE(randk.compress(v).seed, c.seed);
  // Two clients with the same settings but different seeds draw different streams.
  std::vector<float> other_values(2);
  RandKCompressor other(8, 2, 43, other_values);
  EXPECT_NE(other.compress(v).seed, c.seed);
}

TEST(RandK, UnbiasedOverManySeeds) {
  const uint32_t d = 8, k = 2, n = 20000;
  const std::vector<float> v = {1, -2, 3, -4, 5, -6, 7, -8};
  std::vector<float> values(k);
  RandKCompressor randk(d, k, 7, values);
  std::vector<double> mean(d, 0.0), hits(d, 0.0);
  for (uint32_t trial = 0; trial < n; ++trial) {
    const CompressedVector c = randk.compress(v);
    for_each_entry(c, [&](uint32_t i, float value) {
      mean[i] += value / n;
      hits[i] += 1.0 / n;
    });
  }
  for (uint32_t i = 0; i < d; ++i) {
    // Var of one draw is (d/k - 1) v_i^2 = 3 v_i^2: 5 sigma of the mean is 0.061 |v_i|.
    EXPECT_NEAR(mean[i], v[i], 0.061 * std::fabs(v[i])) << i;
    EXPECT_NEAR(hits[i], static_cast<double>(k) / d, 0.015) << i;  // each index w.p. k/d
  }
}

TEST(Dense, PassesTheVectorThrough) {
  const std::vector<float> v = {1, -2, 3};
  DenseCompressor dense(3);
  const CompressedVector c = dense.compress(v);
  EXPECT_EQ(c.values.data(), v.data());
  EXPECT_EQ(decoded(c), v);
  EXPECT_EQ(dense.max_payload_bytes(), 12u);
}

TEST(TensorLayout, FollowsTheModelsParameterOrder) {
  uint32_t sizes[4];
  ASSERT_EQ(model_tensor_sizes(wire::ModelKind::Softmax, 784, 10, 0, sizes), 2u);
  EXPECT_EQ(sizes[0], 7840u);
  EXPECT_EQ(sizes[1], 10u);
  ASSERT_EQ(model_tensor_sizes(wire::ModelKind::Mlp, 784, 10, 100, sizes), 4u);
  EXPECT_EQ(sizes[0], 78400u);
  EXPECT_EQ(sizes[1], 100u);
  EXPECT_EQ(sizes[2], 1000u);
  EXPECT_EQ(sizes[3], 10u);
  ASSERT_EQ(model_tensor_sizes(wire::ModelKind::LeastSquares, 400, 1, 0, sizes), 2u);
  EXPECT_EQ(sizes[0], 400u);
  EXPECT_EQ(sizes[1], 1u);
}

}  // namespace
}  // namespace fedgate
