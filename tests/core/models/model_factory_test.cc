#include "core/models/model_factory.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/core/models/model_test_util.h"

namespace fedgate {
namespace {

using testing_models::random_params;
using testing_models::random_problem;

ModelSpec make_spec(ModelKind kind, uint32_t features, uint32_t classes, uint32_t hidden = 0) {
  ModelSpec spec;
  spec.kind = kind;
  spec.num_features = features;
  spec.num_classes = classes;
  spec.hidden_units = hidden;
  return spec;
}

// The error message of a spec make_model must reject.
std::string rejection(const ModelSpec& spec) {
  auto model = make_model(spec);
  EXPECT_FALSE(model.is_ok());
  if (model.is_ok()) return "";
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  return model.status().message();
}

TEST(ModelFactory, BuildsEveryKind) {
  auto ls = make_model(make_spec(ModelKind::kLeastSquares, 13, 0));
  ASSERT_TRUE(ls.is_ok()) << ls.status().message();
  EXPECT_EQ((*ls)->dim(), 14u);
  EXPECT_EQ((*ls)->spec().num_classes, 1u);
  ASSERT_TRUE(make_model(make_spec(ModelKind::kLeastSquares, 13, 1)).is_ok());

  auto lr = make_model(make_spec(ModelKind::kBinaryLogistic, 13, 2));
  ASSERT_TRUE(lr.is_ok()) << lr.status().message();
  EXPECT_EQ((*lr)->spec().kind, ModelKind::kBinaryLogistic);

  auto sm = make_model(make_spec(ModelKind::kSoftmax, 784, 10));
  ASSERT_TRUE(sm.is_ok()) << sm.status().message();
  EXPECT_EQ((*sm)->dim(), 7850u);

  auto mlp = make_model(make_spec(ModelKind::kMlp, 784, 10, 32));
  ASSERT_TRUE(mlp.is_ok()) << mlp.status().message();
  EXPECT_EQ((*mlp)->dim(), 784u * 32 + 32 + 10 * 32 + 10);
  EXPECT_EQ((*mlp)->spec().hidden_units, 32u);
}

TEST(ModelFactory, RejectsBadShapesNamingTheField) {
  std::string m = rejection(make_spec(ModelKind::kSoftmax, 0, 10));
  EXPECT_NE(m.find("num_features"), std::string::npos) << m;
  EXPECT_NE(m.find(">= 1"), std::string::npos) << m;

  m = rejection(make_spec(ModelKind::kSoftmax, 4, 1));
  EXPECT_NE(m.find("num_classes = 1"), std::string::npos) << m;
  EXPECT_NE(m.find(">= 2"), std::string::npos) << m;

  m = rejection(make_spec(ModelKind::kMlp, 4, 0, 8));
  EXPECT_NE(m.find("num_classes"), std::string::npos) << m;

  m = rejection(make_spec(ModelKind::kMlp, 4, 3, 0));
  EXPECT_NE(m.find("hidden_units"), std::string::npos) << m;

  m = rejection(make_spec(ModelKind::kLeastSquares, 4, 2));
  EXPECT_NE(m.find("num_classes = 2"), std::string::npos) << m;
  EXPECT_NE(m.find("must be 1"), std::string::npos) << m;

  m = rejection(make_spec(ModelKind::kBinaryLogistic, 4, 3));
  EXPECT_NE(m.find("must be 2"), std::string::npos) << m;
  rejection(make_spec(ModelKind::kBinaryLogistic, 4, 0));

  m = rejection(make_spec(static_cast<ModelKind>(9), 4, 3));
  EXPECT_NE(m.find("kind"), std::string::npos) << m;
}

TEST(ModelFactory, RejectsDimensionsBeyondUint32) {
  // 2^31 features x 2 classes + 2 = 2^32 + 2 parameters.
  std::string m = rejection(make_spec(ModelKind::kSoftmax, 1u << 31, 2));
  EXPECT_NE(m.find("4294967295"), std::string::npos) << m;
  rejection(make_spec(ModelKind::kMlp, 1u << 16, 2, 1u << 16));        // W1 alone: 2^32
  rejection(make_spec(ModelKind::kMlp, 4, 0xFFFFFFFFu, 0xFFFFFFFFu));  // no 64-bit wrap
  rejection(make_spec(ModelKind::kLeastSquares, 0xFFFFFFFFu, 1));      // F + 1 = 2^32
  // Just inside the limit: 2 * (2^31 - 2) + 2 = 2^32 - 2 parameters.
  EXPECT_TRUE(make_model(make_spec(ModelKind::kSoftmax, (1u << 31) - 2, 2)).is_ok());
}

TEST(ModelFactory, ParsesAndNamesKinds) {
  for (ModelKind kind : {ModelKind::kLeastSquares, ModelKind::kBinaryLogistic, ModelKind::kSoftmax,
                         ModelKind::kMlp}) {
    auto parsed = parse_model_kind(model_kind_name(kind));
    ASSERT_TRUE(parsed.is_ok()) << model_kind_name(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_STREQ(model_kind_name(ModelKind::kLeastSquares), "least-squares");
  EXPECT_STREQ(model_kind_name(ModelKind::kBinaryLogistic), "logistic");
  EXPECT_STREQ(model_kind_name(ModelKind::kSoftmax), "softmax");
  EXPECT_STREQ(model_kind_name(ModelKind::kMlp), "mlp");
  EXPECT_STREQ(model_kind_name(static_cast<ModelKind>(42)), "unknown");

  for (const char* bad : {"", "Softmax", "linear", "mlp "}) {
    auto parsed = parse_model_kind(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    const std::string m = parsed.status().message();
    for (const char* name : {"least-squares", "logistic", "softmax", "mlp"}) {
      EXPECT_NE(m.find(name), std::string::npos) << m;
    }
  }
  // A long name is truncated in the message, not overflowing it.
  auto parsed = parse_model_kind(std::string(500, 'x'));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(std::string(parsed.status().message()).find("mlp"), std::string::npos);
}

Dataset make_dataset(size_t rows, uint32_t features, uint32_t classes, uint64_t seed) {
  const auto p = random_problem(rows, features, classes, seed);
  Dataset data;
  data.num_features = features;
  data.num_classes = classes;
  data.features = p.x;
  data.labels = p.labels;
  return data;
}

TEST(EvaluateDataset, ChunksAddUpToTheWholeSet) {
  const Dataset data = make_dataset(103, 6, 4, 8);
  auto model = make_model(make_spec(ModelKind::kMlp, 6, 4, 5));
  ASSERT_TRUE(model.is_ok());
  std::vector<float> params(model.value()->dim());
  model.value()->init_params(params, 3);

  std::vector<float> whole_ws(model.value()->workspace_floats(data.size()));
  const EvalResult whole = evaluate_dataset(**model, params, data, whole_ws, data.size());
  EXPECT_EQ(whole.samples, 103u);
  for (size_t chunk : {size_t{1}, size_t{10}, size_t{64}, size_t{1000}}) {
    std::vector<float> ws(model.value()->workspace_floats(chunk));
    const EvalResult r = evaluate_dataset(**model, params, data, ws, chunk);
    EXPECT_EQ(r.samples, whole.samples) << chunk;
    EXPECT_EQ(r.correct, whole.correct) << chunk;
    EXPECT_NEAR(r.loss_sum, whole.loss_sum, 1e-4) << chunk;
  }
  // A workspace too small for the requested chunk shrinks the chunk instead of overrunning.
  std::vector<float> small(model.value()->workspace_floats(7));
  const EvalResult shrunk = evaluate_dataset(**model, params, data, small, 1000);
  EXPECT_EQ(shrunk.samples, whole.samples);
  EXPECT_NEAR(shrunk.loss_sum, whole.loss_sum, 1e-4);
}

TEST(EvaluateDataset, RegressionTargetsAndEdgeCases) {
  Dataset data = make_dataset(20, 3, 0, 9);
  data.targets.assign(20, 1.0f);
  auto model = make_model(make_spec(ModelKind::kLeastSquares, 3, 1));
  ASSERT_TRUE(model.is_ok());
  std::vector<float> params(4, 0.0f);  // predicts 0 everywhere: loss 0.5 per sample
  std::vector<float> ws(model.value()->workspace_floats(8));
  EvalResult r = evaluate_dataset(**model, params, data, ws, 8);
  EXPECT_EQ(r.samples, 20u);
  EXPECT_NEAR(r.loss_sum, 10.0, 1e-6);
  EXPECT_EQ(r.correct, 0u);

  // Feature count mismatch, empty workspace, empty data: nothing evaluated, nothing read.
  Dataset wrong = make_dataset(5, 4, 0, 1);
  EXPECT_EQ(evaluate_dataset(**model, params, wrong, ws, 8).samples, 0u);
  EXPECT_EQ(evaluate_dataset(**model, params, data, Span<float>(), 8).samples, 0u);
  Dataset empty;
  empty.num_features = 3;
  EXPECT_EQ(evaluate_dataset(**model, params, empty, ws, 8).samples, 0u);
}

}  // namespace
}  // namespace fedgate
