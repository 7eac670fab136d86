// Checkpoints of the round-buffer aggregation (docs/run-directory.md): the
// running round's sum and messages and the members' time estimates. Kept apart
// from the aggregation itself so the two change independently.
#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/checkpoint_names.h"

namespace fedgate {

void RoundBuffer::save_state(StateWriter& out) const {
  RoundPolicy::save_state(out);
  out.doubles(Span<const double>(sum_.data(), sum_.size()));
  out.u32(received_);
  save_name_counts(out, sent_);
  out.u32(static_cast<uint32_t>(h_.size()));
  for (const auto& [client, seconds] : h_) {
    out.str(client);
    out.f64(seconds);
  }
  out.f64(deadline_s_);
}

void RoundBuffer::restore_state(StateReader& in) {
  RoundPolicy::restore_state(in);
  in.doubles(&sum_, sum_.size(), "the round's sum");
  received_ = in.u32();
  restore_name_counts(in, &sent_);
  h_.clear();
  const uint32_t count = in.count(12);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    h_[client] = in.f64();
  }
  deadline_s_ = in.f64();
}

}  // namespace fedgate
