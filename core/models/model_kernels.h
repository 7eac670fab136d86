// Internal helpers shared by the model implementations (not part of the models' API).
// Owns nothing: every function works on Eigen::Maps over caller memory.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "core/base/span.h"
#include "core/data/dataset.h"

namespace fedgate {
namespace models_detail {

using Index = Eigen::Index;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMatrix>;
using VectorMap = Eigen::Map<Eigen::VectorXf>;
using ConstVectorMap = Eigen::Map<const Eigen::VectorXf>;

// Eigen's GEMM packs its operands into blocks of up to kc*mc and kc*nc floats; it puts them on
// the stack below EIGEN_STACK_ALLOCATION_LIMIT (128 KiB) and on the heap above. Tiling every
// product so that depth * max(rows, cols) <= kGemmTileFloats bounds each packed block at
// 32 KiB, so a product never allocates, whatever the shapes or the batch size.
constexpr Index kGemmTileFloats = 8192;
constexpr Index kGemmMaxDepth = 256;

// dst = lhs * rhs, or dst += lhs * rhs when `accumulate`. The operands are Maps, Blocks or
// Transposes of Maps (direct access), so Eigen reads them in place.
template <typename Dst, typename Lhs, typename Rhs>
void tiled_product(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
  const Index rows = lhs.rows();
  const Index depth = lhs.cols();
  const Index cols = rhs.cols();
  if (depth == 0) {
    if (!accumulate) dst.setZero();
    return;
  }
  const Index tile_depth = std::min(depth, kGemmMaxDepth);
  const Index tile_outer = std::max<Index>(1, kGemmTileFloats / tile_depth);
  for (Index k0 = 0; k0 < depth; k0 += tile_depth) {
    const Index kb = std::min(tile_depth, depth - k0);
    const bool add = accumulate || k0 > 0;
    for (Index i0 = 0; i0 < rows; i0 += tile_outer) {
      const Index ib = std::min(tile_outer, rows - i0);
      for (Index j0 = 0; j0 < cols; j0 += tile_outer) {
        const Index jb = std::min(tile_outer, cols - j0);
        auto out = dst.block(i0, j0, ib, jb);
        if (add) {
          out.noalias() += lhs.block(i0, k0, ib, kb) * rhs.block(k0, j0, kb, jb);
        } else {
          out.noalias() = lhs.block(i0, k0, ib, kb) * rhs.block(k0, j0, kb, jb);
        }
      }
    }
  }
}

// A dense layer whose parameters lie at `layer` as [W (outputs x inputs), b (outputs)]:
// out (rows x outputs) = in W^T + b.
template <typename In>
void dense_forward(MatrixMap out, const In& in, const float* layer) {
  const Index outputs = out.cols(), inputs = in.cols();
  const ConstMatrixMap w(layer, outputs, inputs);
  const ConstVectorMap b(layer + outputs * inputs, outputs);
  tiled_product(out, in, w.transpose(), false);
  out.rowwise() += b.transpose();
}

// That layer's gradient, laid out like its parameters at `grad_layer`, from `delta`
// (rows x outputs) = d loss / d out: dW = delta^T in, db = the column sums of delta.
template <typename Delta, typename In>
void dense_backward(const Delta& delta, const In& in, float* grad_layer) {
  const Index outputs = delta.cols(), inputs = in.cols();
  MatrixMap grad_w(grad_layer, outputs, inputs);
  VectorMap grad_b(grad_layer + outputs * inputs, outputs);
  tiled_product(grad_w, delta.transpose(), in, false);
  grad_b.noalias() = delta.colwise().sum().transpose();
}

// The class of sample `i`, or -1 when the batch carries no labels.
inline int32_t label_at(const Batch& batch, size_t i) {
  return batch.labels != nullptr ? batch.labels[i] : -1;
}

// Regression target of sample `i`: targets if present, else the label as a float.
inline float target_at(const Batch& batch, size_t i) {
  if (batch.targets != nullptr) return batch.targets[i];
  if (batch.labels != nullptr) return static_cast<float>(batch.labels[i]);
  return 0.0f;
}

// log(1 + exp(z)) without overflow for large |z|.
inline float softplus(float z) { return std::max(z, 0.0f) + std::log1p(std::exp(-std::fabs(z))); }

// 1 / (1 + exp(-z)) without overflow for large |z|.
inline float sigmoid(float z) {
  if (z >= 0.0f) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

// Cross-entropy of each row of `logits` (rows x C) against the batch labels. Turns every row
// into (softmax - onehot) * scale in place, which is the gradient of `scale` * loss wrt the
// logits, and returns the sum of the per-row losses. A label outside [0, C) is a caller bug;
// it is never used as an index: the row contributes its log-sum-exp and no one-hot term.
inline double softmax_xent_backward(MatrixMap logits, const Batch& batch, float scale) {
  const Index classes = logits.cols();
  double loss_sum = 0.0;
  for (Index i = 0; i < logits.rows(); ++i) {
    auto row = logits.row(i);
    const int32_t label = label_at(batch, static_cast<size_t>(i));
    const bool valid = label >= 0 && label < classes;
    const float max = row.maxCoeff();
    const float label_logit = valid ? row(label) - max : 0.0f;
    row.array() = (row.array() - max).exp();
    const float sum = row.sum();
    loss_sum += static_cast<double>(std::log(sum) - label_logit);
    row *= scale / sum;
    if (valid) row(label) -= scale;
  }
  return loss_sum;
}

// Loss sum and argmax hits of `logits` against the labels; leaves the logits unchanged.
inline void softmax_xent_evaluate(const MatrixMap& logits, const Batch& batch, double* loss_sum,
                                  size_t* correct) {
  const Index classes = logits.cols();
  for (Index i = 0; i < logits.rows(); ++i) {
    const auto row = logits.row(i);
    const int32_t label = label_at(batch, static_cast<size_t>(i));
    const bool valid = label >= 0 && label < classes;
    Index argmax = 0;
    const float max = row.maxCoeff(&argmax);
    const float log_sum = std::log((row.array() - max).exp().sum());
    *loss_sum += static_cast<double>(log_sum - (valid ? row(label) - max : 0.0f));
    if (valid && argmax == label) ++*correct;
  }
}

// The one-output linear models (least squares, binary logistic) share this
// shape: z_i = x_i . w + b, with the bias as the last parameter.
// Writes z into `workspace` (rows floats) and returns a view of it.
inline VectorMap linear_outputs(Span<const float> params, const Batch& batch, Index features,
                                Span<float> workspace) {
  const Index rows = static_cast<Index>(batch.rows);
  const ConstMatrixMap x(batch.features, rows, features);
  const ConstVectorMap w(params.data(), features);
  VectorMap z(workspace.data(), rows);
  z.noalias() = x * w;
  // A parameter after w is the bias b (a model without one has none).
  if (params.size() > static_cast<size_t>(features)) {
    for (Index i = 0; i < rows; ++i) z(i) += params[static_cast<size_t>(features)];
  }
  return z;
}

// A sample's loss and d loss / d z_i.
struct PointLoss {
  double loss;
  float dz;
};

// Mean loss over the batch and its gradient for a linear model whose sample
// loss `point(z_i, i)` depends on z_i only: grad w = X^T (dL/dz) / rows,
// grad b = sum(dL/dz) / rows.
template <typename Point>
float linear_loss_and_gradient(Span<const float> params, const Batch& batch, Index features,
                               Span<float> grad, Span<float> workspace, Point point) {
  const Index rows = static_cast<Index>(batch.rows);
  if (rows == 0) {
    std::fill(grad.begin(), grad.end(), 0.0f);
    return 0.0f;
  }
  VectorMap z = linear_outputs(params, batch, features, workspace);
  const float scale = 1.0f / static_cast<float>(rows);
  double loss_sum = 0.0;
  for (Index i = 0; i < rows; ++i) {
    const PointLoss p = point(z(i), static_cast<size_t>(i));
    loss_sum += p.loss;
    z(i) = p.dz * scale;  // pre-divided by the batch size
  }
  const ConstMatrixMap x(batch.features, rows, features);
  VectorMap grad_w(grad.data(), features);
  grad_w.noalias() = x.transpose() * z;
  if (grad.size() > static_cast<size_t>(features)) grad[static_cast<size_t>(features)] = z.sum();
  return static_cast<float>(loss_sum / static_cast<double>(rows));
}

}  // namespace models_detail
}  // namespace fedgate
