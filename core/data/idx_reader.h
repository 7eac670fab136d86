// IDX reader: loads an image/label pair in LeCun's IDX format (MNIST,
// Fashion-MNIST), gzip-compressed or plain, into a Dataset.
//
// The returned Dataset owns all its memory; nothing here keeps a reference to
// the paths or files after the call returns.
#pragma once

#include <string>

#include "core/base/status.h"
#include "core/data/dataset.h"

namespace fedgate {

// Where Debian's dataset-fashion-mnist package installs the four files.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Refuses files whose header promises more payload than this (guards against
// corrupt headers; Fashion-MNIST train images are 47 MB).
constexpr uint64_t kMaxIdxPayloadBytes = uint64_t{1} << 31;

// Reads `images_path` (magic 0x000008NN: unsigned bytes, NN >= 2 dimensions,
// the first being the item count; features = product of the others) and
// `labels_path` (magic 0x00000801). Either file may be gzip-compressed.
// Features are byte * scale; num_classes = max label + 1.
// Errors: kInvalidArgument for an empty path or image/label count mismatch,
// kNotFound when a file cannot be opened, kDataLoss for a bad magic, an absurd
// header, truncation or trailing bytes.
Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path,
                         float scale = 1.0f / 255.0f);

struct IdxPaths {
  std::string images;
  std::string labels;
};

// <dir>/train-images-idx3-ubyte.gz and <dir>/train-labels-idx1-ubyte.gz, or the
// t10k- pair when !train.
IdxPaths fashion_mnist_paths(const std::string& dir, bool train);

}  // namespace fedgate
