// GlobalModel: the coordinator's parameter vector and its version counter.
// Version t is the model after t applied updates; version 0 is the initial one.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/span.h"

namespace fedgate {

class GlobalModel {
 public:
  explicit GlobalModel(std::vector<float> initial) : params_(std::move(initial)) {}

  uint32_t version() const { return version_; }
  size_t dim() const { return params_.size(); }
  Span<const float> params() const { return params_; }

  // x <- x - gamma * g ; version + 1.
  void apply(Span<const float> gradient, double gamma);
  // A checkpoint's parameters and version (coordinator/checkpoint.cc).
  void restore(std::vector<float> params, uint32_t version) {
    params_ = std::move(params);
    version_ = version;
  }

 private:
  std::vector<float> params_;
  uint32_t version_ = 0;
};

}  // namespace fedgate
