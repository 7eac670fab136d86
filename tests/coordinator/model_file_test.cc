// The safetensors model file: framing as the format prescribes, a round trip,
// layers laid out so that W @ x + b (what docs/run-directory.md tells numpy
// users) gives the model's own logits, and warm-start errors that say what differs.
#include "coordinator/model_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "coordinator/atomic_file.h"
#include "core/models/model_factory.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

std::vector<float> random_values(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = uniform(rng);
  return values;
}

const SavedTensor& tensor(const SavedModel& saved, const std::string& name) {
  static const SavedTensor missing;
  auto found = saved.tensors.find(name);
  EXPECT_NE(found, saved.tensors.end()) << name;
  return found == saved.tensors.end() ? missing : found->second;
}

// out = W @ x + b, with W [rows, cols] row-major as read from the file.
std::vector<float> affine(const SavedTensor& W, const SavedTensor& b, const std::vector<float>& x) {
  const size_t rows = W.shape.at(0), cols = W.shape.at(1);
  std::vector<float> out(rows);
  for (size_t r = 0; r < rows; ++r) {
    double sum = b.values.at(r);
    for (size_t c = 0; c < cols; ++c) sum += double(W.values[r * cols + c]) * x.at(c);
    out[r] = static_cast<float>(sum);
  }
  return out;
}

// The logits the documented formulas give for one sample.
std::vector<float> file_logits(const SavedModel& saved, ModelKind kind,
                               const std::vector<float>& x) {
  if (kind != ModelKind::kMlp) return affine(tensor(saved, "W"), tensor(saved, "b"), x);
  std::vector<float> h = affine(tensor(saved, "W1"), tensor(saved, "b1"), x);
  for (float& v : h) v = std::max(v, 0.0f);
  return affine(tensor(saved, "W2"), tensor(saved, "b2"), h);
}

// Cross-entropy of softmax(logits) at `label`, or the logistic loss of one logit.
double loss_of(ModelKind kind, const std::vector<float>& z, int label) {
  if (kind == ModelKind::kBinaryLogistic) {
    const double s = label > 0 ? 1.0 : -1.0;
    return std::log1p(std::exp(-s * z[0]));
  }
  double top = z[0];
  for (float v : z) top = std::max<double>(top, v);
  double sum = 0;
  for (float v : z) sum += std::exp(v - top);
  return top + std::log(sum) - z[label];
}

bool correct_of(ModelKind kind, const std::vector<float>& z, int label) {
  if (kind == ModelKind::kBinaryLogistic) return (z[0] > 0) == (label > 0);
  return std::max_element(z.begin(), z.end()) - z.begin() == label;
}

class LayoutMatchesTheModel : public ::testing::TestWithParam<ModelSpec> {};

TEST_P(LayoutMatchesTheModel, LogitsFromTheFileGiveTheModelsLossAndPrediction) {
  const ModelSpec spec = GetParam();
  Result<std::unique_ptr<Model>> model = make_model(spec);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const std::vector<float> params = random_values((*model)->dim(), 7);
  Result<SavedModel> saved = decode_model_file(encode_model_file(spec, params, {}));
  ASSERT_TRUE(saved.is_ok()) << saved.status().message();
  std::vector<float> workspace((*model)->workspace_floats(1));
  for (uint32_t sample = 0; sample < 8; ++sample) {
    const std::vector<float> x = random_values(spec.num_features, 100 + sample);
    const int32_t label = static_cast<int32_t>(sample % std::max<uint32_t>(spec.num_classes, 2));
    const Batch batch{x.data(), &label, nullptr, 1};
    const EvalResult own = (*model)->evaluate(params, batch, workspace);
    const std::vector<float> z = file_logits(*saved, spec.kind, x);
    EXPECT_NEAR(loss_of(spec.kind, z, label), own.loss_sum, 1e-4) << "sample " << sample;
    EXPECT_EQ(correct_of(spec.kind, z, label) ? 1u : 0u, own.correct) << "sample " << sample;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, LayoutMatchesTheModel,
                         ::testing::Values(ModelSpec{ModelKind::kSoftmax, 5, 3, 0},
                                           ModelSpec{ModelKind::kMlp, 4, 3, 6},
                                           ModelSpec{ModelKind::kBinaryLogistic, 4, 2, 0}));

TEST(ModelFile, LeastSquaresWithoutBiasHasOnlyW) {
  ModelSpec spec{ModelKind::kLeastSquares, 4, 1, 0};
  spec.bias = false;
  Result<std::unique_ptr<Model>> model = make_model(spec);
  ASSERT_TRUE(model.is_ok()) << model.status().message();
  const std::vector<float> params = random_values((*model)->dim(), 3);
  Result<SavedModel> saved = decode_model_file(encode_model_file(spec, params, {}));
  ASSERT_TRUE(saved.is_ok()) << saved.status().message();
  EXPECT_EQ(saved->tensors.count("b"), 0u);
  Result<std::vector<float>> back = model_params(*saved, spec);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(*back, params);
}

TEST(ModelFile, FramingFollowsTheSafetensorsFormat) {
  const ModelSpec spec{ModelKind::kSoftmax, 3, 2, 0};
  const std::vector<float> params = random_values(8, 1);
  const std::vector<uint8_t> bytes = encode_model_file(spec, params, ModelFileInfo{42, 0.75, 0.5});
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t(bytes[i]) << (8 * i);
  EXPECT_EQ(length % 8, 0u);
  ASSERT_EQ(bytes.size(), 8 + length + params.size() * sizeof(float));
  const nlohmann::json header =
      nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + length);
  EXPECT_EQ(header.at("W").at("dtype"), "F32");
  EXPECT_EQ(header.at("W").at("shape"), nlohmann::json({2, 3}));
  EXPECT_EQ(header.at("W").at("data_offsets"), nlohmann::json({0, 24}));  // from the data block
  EXPECT_EQ(header.at("b").at("shape"), nlohmann::json({2}));
  EXPECT_EQ(header.at("b").at("data_offsets"), nlohmann::json({24, 32}));
  const nlohmann::json& metadata = header.at("__metadata__");
  for (const auto& [key, value] : metadata.items()) EXPECT_TRUE(value.is_string()) << key;
  EXPECT_EQ(metadata.at("model_kind"), "softmax");
  EXPECT_EQ(metadata.at("version"), "42");
  EXPECT_EQ(std::stod(metadata.at("accuracy").get<std::string>()), 0.75);
  float first = 0;
  std::memcpy(&first, bytes.data() + 8 + length, sizeof(float));
  EXPECT_EQ(first, params[0]);
}

TEST(ModelFile, WritesAtomicallyAndReadsBack) {
  TempDir dir("model_file");
  const ModelSpec spec{ModelKind::kMlp, 4, 3, 5};
  const std::vector<float> params = random_values(4 * 5 + 5 + 3 * 5 + 3, 2);
  const std::string path = dir.file("model.safetensors");
  ASSERT_TRUE(write_model_file(path, spec, params, ModelFileInfo{3, 0.5, 1.0}).is_ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<SavedModel> saved = read_model_file(path);
  ASSERT_TRUE(saved.is_ok()) << saved.status().message();
  EXPECT_EQ(saved->metadata.at("version"), "3");
  Result<std::vector<float>> back = model_params(*saved, spec);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(*back, params);
}

TEST(ModelFile, WriteErrorNamesThePath) {
  TempDir dir("model_file");
  const std::string path = dir.file("no/such/dir/model.safetensors");
  const Status status =
      write_model_file(path, ModelSpec{ModelKind::kSoftmax, 1, 2, 0}, std::vector<float>(4), {});
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(std::string(status.message()).find("no/such/dir"), std::string::npos)
      << status.message();
}

TEST(ModelFile, MismatchedShapeSaysWhatDiffers) {
  const ModelSpec saved_spec{ModelKind::kSoftmax, 784, 10, 0};
  Result<SavedModel> saved =
      decode_model_file(encode_model_file(saved_spec, std::vector<float>(7850), {}));
  ASSERT_TRUE(saved.is_ok());
  Result<std::vector<float>> params =
      model_params(*saved, ModelSpec{ModelKind::kSoftmax, 100, 10, 0});
  ASSERT_FALSE(params.is_ok());
  EXPECT_STREQ(params.status().message(),
               "W has shape [10, 784], this run's softmax needs [10, 100]");
}

TEST(ModelFile, MismatchedKindSaysWhatDiffers) {
  Result<SavedModel> saved = decode_model_file(
      encode_model_file(ModelSpec{ModelKind::kMlp, 2, 2, 2}, std::vector<float>(12), {}));
  ASSERT_TRUE(saved.is_ok());
  Result<std::vector<float>> params = model_params(*saved, ModelSpec{ModelKind::kSoftmax, 2, 2, 0});
  ASSERT_FALSE(params.is_ok());
  EXPECT_STREQ(params.status().message(), "the file holds a mlp model, this run's is softmax");
}

TEST(ModelFile, RejectsDamagedFiles) {
  std::vector<uint8_t> bytes =
      encode_model_file(ModelSpec{ModelKind::kSoftmax, 3, 2, 0}, std::vector<float>(8), {});
  EXPECT_FALSE(decode_model_file(Span<const uint8_t>(bytes.data(), 5)).is_ok());
  EXPECT_FALSE(decode_model_file(Span<const uint8_t>(bytes.data(), bytes.size() - 4)).is_ok());
  std::vector<uint8_t> long_header = bytes;
  long_header[7] = 0x7f;
  EXPECT_FALSE(decode_model_file(long_header).is_ok());
  std::vector<uint8_t> not_json = bytes;
  not_json[8] = '!';
  EXPECT_FALSE(decode_model_file(not_json).is_ok());
}

TEST(AtomicFile, ReplacesTheWholeFile) {
  TempDir dir("model_file");
  const std::string path = dir.write("f", "old contents, longer");
  const std::string text = "new";
  ASSERT_TRUE(write_file_atomically(
                  path, Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), 3))
                  .is_ok());
  std::ifstream in(path);
  std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(read, "new");
}

}  // namespace
}  // namespace fedgate
