// CSV reader: loads a numeric comma-separated file (one sample per line, one
// column holding the class label or regression target) into a Dataset.
//
// The returned Dataset owns all its memory; the file is closed before return.
#pragma once

#include <string>

#include "core/base/status.h"
#include "core/data/dataset.h"

namespace fedgate {

// Labels above this are refused (num_classes = max label + 1 sizes the model).
constexpr int32_t kMaxCsvLabel = 65535;

struct CsvOptions {
  int label_column = 0;     // negative counts from the end, -1 = last
  bool regression = false;  // label column is a float target instead of an int class
  float scale = 1.0f;       // features = value * scale (not applied to labels/targets)
};

// Reads `path`. A first line whose first field is not a number is a header and
// is skipped. Empty lines are ignored; "\r\n" line ends are accepted. Every
// line must have the same number of fields, every feature must be a finite
// number, and class labels must be integers in [0, kMaxCsvLabel].
// Errors: kNotFound when the file cannot be opened, kInvalidArgument (naming
// the line) for malformed content or a label column outside the row.
Result<Dataset> load_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace fedgate
