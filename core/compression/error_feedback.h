// ErrorFeedback: a decorator that gives any compressor memory (SASG, EF-SGD).
// The client keeps the residual e of what compression left out and adds it to
// the next vector: u = v + e is compressed, and once that message went out
// e = u - decoded(C(u)). A message that never went out (rejected offer)
// leaves e unchanged. Memory: `residual` and `scratch`, dim floats each.
#pragma once

#include "core/compression/compressor.h"

namespace fedgate {

class ErrorFeedback : public Compressor {
 public:
  ErrorFeedback(Compressor& inner, Span<float> residual, Span<float> scratch);

  const char* name() const override { return inner_.name(); }
  wire::Codec codec() const override { return inner_.codec(); }
  CompressedVector compress(Span<const float> vector) override;
  void commit() override;
  void discard() override { pending_ = false; }
  size_t max_payload_bytes() const override { return inner_.max_payload_bytes(); }

  Span<const float> residual() const { return residual_; }

 private:
  Compressor& inner_;
  Span<float> residual_;
  Span<float> scratch_;  // u = v + e of the pending message
  CompressedVector pending_view_;
  bool pending_ = false;
};

}  // namespace fedgate
