// What the client driver's tests share: virtual time, a gradient source with known answers,
// and the small federation setup (4 features, 3 classes, dim 10, chunks of 4) they serve.
#pragma once

#include <cstdint>
#include <vector>

#include "core/protocol/codec.h"
#include "core/protocol/driver_clock.h"
#include "core/protocol/gradient_source.h"

namespace fedgate::testing {

constexpr uint32_t kDriverTestDim = 10;

class VirtualClock final : public DriverClock {
 public:
  uint32_t now_ms() override { return now; }
  uint32_t now = 5000;
};

// g_i = params_i + 1: every gradient is known.
class FixedSource final : public GradientSource {
 public:
  uint32_t num_features() const override { return 4; }
  uint32_t num_classes() const override { return 3; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float> params, Span<float> grad) override {
    for (size_t i = 0; i < params.size(); ++i) grad[i] = params[i] + 1.0f;
    GradientStats stats;
    stats.grad_norm = l2_norm(Span<const float>(grad.data(), grad.size()));
    stats.loss = 0.5f;
    stats.samples = 8;
    return stats;
  }
};

// A Config for FixedSource's shape with a 200 ms heartbeat (a 600 ms silence timeout).
inline ConfigInfo driver_test_config() {
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = kDriverTestDim;
  config.num_features = 4;
  config.num_classes = 3;
  config.batch_size = 8;
  config.chunk_floats = 4;
  config.heartbeat_ms = 200;
  return config;
}

// The Config, then model `version` (every weight 0.5) in chunks of 4, as `send` takes them.
template <typename Send>
void serve_test_model(MessageWriter& writer, uint32_t& seq, uint32_t version, Send&& send) {
  send(writer.config(++seq, driver_test_config()));
  const std::vector<float> weights(kDriverTestDim, 0.5f);
  for (uint32_t offset = 0; offset < kDriverTestDim; offset += 4) {
    const uint32_t n = offset + 4 <= kDriverTestDim ? 4 : kDriverTestDim - offset;
    send(writer.model_chunk(++seq, version, offset, kDriverTestDim,
                            Span<const float>(weights.data() + offset, n)));
  }
}

}  // namespace fedgate::testing
