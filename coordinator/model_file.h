// The trained model as a file: safetensors (an 8-byte little-endian header
// length, a JSON header naming each tensor with dtype F32, its shape and its
// byte range, then the raw little-endian floats), one tensor per layer so that
// numpy computes the model's logits as W @ x + b. docs/run-directory.md shows
// how to load it; model.init reads it back for a warm start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/models/model.h"

namespace fedgate {

// One layer of a model's flat parameter vector.
struct TensorLayout {
  std::string name;
  std::vector<uint32_t> shape;  // row-major
  size_t offset = 0;            // first float in the parameter vector
  size_t count = 0;             // product of shape
};

// The layers of a `spec` model in parameter order; they tile the vector.
//   softmax:                     W [C, F], b [C]
//   mlp:                         W1 [H, F], b1 [H], W2 [C, H], b2 [C]
//   logistic and least squares:  W [1, F], b [1]
std::vector<TensorLayout> model_tensors(const ModelSpec& spec);

// What the header's metadata says about where the parameters came from.
struct ModelFileInfo {
  uint32_t version = 0;  // model version (applied updates)
  double accuracy = 0;   // test accuracy at that version
  double loss = 0;       // mean test loss at that version
};

std::vector<uint8_t> encode_model_file(const ModelSpec& spec, Span<const float> params,
                                       const ModelFileInfo& info);
// Writes atomically (write_file_atomically).
Status write_model_file(const std::string& path, const ModelSpec& spec, Span<const float> params,
                        const ModelFileInfo& info);

struct SavedTensor {
  std::vector<uint32_t> shape;
  std::vector<float> values;
};

// A safetensors file as read: F32 tensors by name and the string metadata.
struct SavedModel {
  std::map<std::string, SavedTensor> tensors;
  std::map<std::string, std::string> metadata;
};

// Checks the framing, the JSON, every dtype, shape and byte range.
Result<SavedModel> decode_model_file(Span<const uint8_t> bytes);
Result<SavedModel> read_model_file(const std::string& path);

// The flat parameter vector of a `spec` model from `saved`; errors say what
// differs (model kind, a missing layer, a layer's shape).
Result<std::vector<float>> model_params(const SavedModel& saved, const ModelSpec& spec);

}  // namespace fedgate
