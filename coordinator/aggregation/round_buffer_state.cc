// Checkpoints of the round-buffer aggregation (docs/run-directory.md): the
// running round's sum, messages and normaliser, the members' time estimates and
// gradients per message, who sits the round out and the others' budgets. Kept apart
// from the aggregation itself so the two change independently.
#include <algorithm>

#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/checkpoint_names.h"

namespace fedgate {

void RoundBuffer::save_state(StateWriter& out) const {
  RoundPolicy::save_state(out);
  out.doubles(Span<const double>(sum_.data(), sum_.size()));
  out.u32(received_);
  out.f64(z_);
  save_name_counts(out, sent_);
  save_name_counts(out, b_);
  out.u32(static_cast<uint32_t>(out_.size()));
  for (const std::string& client : out_) out.str(client);
  out.u32(static_cast<uint32_t>(h_.size()));
  for (const auto& [client, seconds] : h_) {
    out.str(client);
    out.f64(seconds);
  }
  out.f64(deadline_s_);
  out.f64(equilibrium_s_);
  out.u32(summed_ ? 1 : 0);
  out.u32(static_cast<uint32_t>(budget_.size()));
  for (const auto& [client, budget] : budget_) {
    out.str(client);
    out.u32(budget.batches);
    out.u32(budget.sends);
  }
}

void RoundBuffer::restore_state(StateReader& in) {
  RoundPolicy::restore_state(in);
  in.doubles(&sum_, sum_.size(), "the round's sum");
  received_ = in.u32();
  z_ = in.f64();
  restore_name_counts(in, &sent_);
  restore_name_counts(in, &b_);
  out_.clear();
  const uint32_t sitting_out = in.count(4);
  for (uint32_t i = 0; i < sitting_out && !in.failed(); ++i) out_.insert(in.str());
  h_.clear();
  const uint32_t count = in.count(12);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    h_[client] = in.f64();
  }
  deadline_s_ = in.f64();
  equilibrium_s_ = in.f64();
  summed_ = in.u32() != 0;
  budget_.clear();
  const uint32_t budgets = in.count(12);
  for (uint32_t i = 0; i < budgets && !in.failed(); ++i) {
    const std::string client = in.str();
    RoundBudget budget;
    budget.batches = in.u32();
    budget.sends = static_cast<uint16_t>(std::min<uint32_t>(in.u32(), 0xFFFF));
    budget_[client] = budget;
  }
}

}  // namespace fedgate
