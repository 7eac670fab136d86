#include "coordinator/aggregation/sync_minibatch.h"

namespace fedgate {

bool SyncMinibatch::take(AggregationHost&, const std::string&, const Contribution& contribution) {
  const double factor = descent_factor(contribution);
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += factor * contribution.values[i];
  ++gradients_;
  return true;
}

void SyncMinibatch::commit_round(AggregationHost& host) {
  if (gradients_ == 0) return;
  const double weight = weight_ > 0 ? weight_ : 1.0 / gradients_;
  for (size_t i = 0; i < sum_.size(); ++i) direction_[i] = static_cast<float>(sum_[i] * weight);
  sum_.assign(sum_.size(), 0.0);
  gradients_ = 0;
  host.commit(Span<const float>(direction_.data(), direction_.size()), 1.0);
}

namespace {

constexpr ParamSpec kWeight{
    "weight",
    ParamKind::kNumber,
    0,
    0,
    1e6,
    "w of x -= w sum_i gamma g_i; 0 = 1 / the gradients received (the mean), 1 = the sum"};
constexpr ParamSpec kParams[] = {kWeight};

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams& params,
                                                const PolicyContext& context) {
  FG_ASSIGN_OR_RETURN(double weight, params.number(kWeight));
  return std::unique_ptr<AggregationPolicy>(new SyncMinibatch(context.model->dim(), weight));
}

}  // namespace

extern const AggregationEntry kSyncMinibatchEntry = {
    "sync-minibatch",
    "rounds; average (or weigh) one gradient per client, then broadcast (baseline)",
    param_table(kParams), make};

void SyncMinibatch::save_state(StateWriter& out) const {
  RoundPolicy::save_state(out);
  out.doubles(Span<const double>(sum_.data(), sum_.size()));
  out.u32(gradients_);
}

void SyncMinibatch::restore_state(StateReader& in) {
  RoundPolicy::restore_state(in);
  in.doubles(&sum_, sum_.size(), "the round's sum");
  gradients_ = in.u32();
}

}  // namespace fedgate
