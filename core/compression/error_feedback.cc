#include "core/compression/error_feedback.h"

namespace fedgate {

ErrorFeedback::ErrorFeedback(Compressor& inner, Span<float> residual, Span<float> scratch)
    : inner_(inner), residual_(residual), scratch_(scratch) {
  for (float& e : residual_) e = 0.0f;
}

CompressedVector ErrorFeedback::compress(Span<const float> vector) {
  for (size_t i = 0; i < residual_.size(); ++i) scratch_[i] = vector[i] + residual_[i];
  pending_view_ = inner_.compress(Span<const float>(scratch_.data(), residual_.size()));
  pending_ = true;
  return pending_view_;
}

void ErrorFeedback::commit() {
  if (!pending_) return;
  pending_ = false;
  inner_.commit();
  // e = u - decoded(C(u)); subtracting in place keeps untouched coordinates exact.
  for (size_t i = 0; i < residual_.size(); ++i) residual_[i] = scratch_[i];
  for_each_entry(pending_view_, [&](uint32_t index, float value) { residual_[index] -= value; });
}

}  // namespace fedgate
