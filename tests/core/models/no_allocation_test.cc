// loss_and_gradient and evaluate must not touch the heap, at any batch size.
//
// Two independent checks: Eigen's own EIGEN_RUNTIME_NO_MALLOC assertion (defined for this
// target; it guards the Eigen code instantiated here) and, because the library's objects are
// compiled without that flag, a count of every malloc/calloc/realloc the process makes while
// the models run (glibc: this executable's definitions interpose the C library's).
#include <gtest/gtest.h>
#include <Eigen/Core>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <vector>

#include "core/models/linear_model.h"
#include "core/models/mlp.h"
#include "core/models/softmax_regression.h"
#include "tests/core/models/model_test_util.h"
#include "tests/support/heap_counter.h"

#ifndef EIGEN_RUNTIME_NO_MALLOC
#error "models_test must be compiled with EIGEN_RUNTIME_NO_MALLOC"
#endif
#ifdef NDEBUG
#error "models_test needs assertions: Eigen reports forbidden allocations through eigen_assert"
#endif

// AddressSanitizer interposes malloc itself; there the Eigen assertion alone checks
// (tests/support/heap_counter.h).

namespace fedgate {
namespace {

using testing_models::random_params;
using testing_models::random_problem;

// Calls the model with the heap forbidden; returns the number of heap calls seen.
size_t heap_calls_during(const Model& model, const std::vector<float>& params, const Batch& batch,
                         std::vector<float>& grad, std::vector<float>& workspace) {
  Eigen::internal::set_is_malloc_allowed(false);
  const size_t before = heap_calls();
  model.loss_and_gradient(params, batch, grad, workspace);
  model.evaluate(params, batch, workspace);
  const size_t after = heap_calls();
  Eigen::internal::set_is_malloc_allowed(true);
  return after - before;
}

TEST(NoAllocation, CounterSeesHeapCalls) {
#if !FEDGATE_COUNT_MALLOC
  GTEST_SKIP() << "malloc counting needs glibc";
#endif
  const size_t before = heap_calls();
  auto block = std::make_unique<std::vector<float>>(1000);
  EXPECT_GT(heap_calls(), before);
}

// Shapes chosen so that plain Eigen products would allocate their packing blocks on the heap
// (e.g. 1000 x 784 x 10, or 32 x 784 x 128); the models tile their products to avoid that.
TEST(NoAllocation, LossGradientAndEvaluate) {
  struct Shape {
    uint32_t features, hidden, classes;
  };
  const Shape shapes[] = {{784, 0, 10}, {784, 128, 10}, {3072, 512, 100}, {5, 4, 3}};
  for (const Shape& s : shapes) {
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::make_unique<LinearModel>(ModelKind::kLeastSquares, s.features));
    models.push_back(std::make_unique<LinearModel>(ModelKind::kBinaryLogistic, s.features));
    models.push_back(std::make_unique<SoftmaxRegression>(s.features, s.classes));
    if (s.hidden > 0) models.push_back(std::make_unique<Mlp>(s.features, s.hidden, s.classes));
    for (size_t rows : {size_t{1}, size_t{32}, size_t{257}, size_t{1000}}) {
      const auto data = random_problem(rows, s.features, 2, rows + s.features);
      for (const auto& model : models) {
        SCOPED_TRACE(::testing::Message() << model->dim() << " params, " << rows << " rows");
        const std::vector<float> params = random_params(model->dim(), 3, 0.05);
        std::vector<float> grad(model->dim());
        std::vector<float> workspace(model->workspace_floats(rows));
        EXPECT_EQ(heap_calls_during(*model, params, data.batch(), grad, workspace), 0u);
      }
    }
  }
}

}  // namespace
}  // namespace fedgate
