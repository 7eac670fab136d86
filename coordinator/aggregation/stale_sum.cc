#include "coordinator/aggregation/stale_sum.h"

namespace fedgate {

bool StaleSum::take(AggregationHost&, const std::string& client, const Contribution& contribution) {
  std::vector<float>& last = last_[client];
  if (last.empty()) last.assign(sum_.size(), 0.0f);
  const float factor = static_cast<float>(descent_factor(contribution));
  for (size_t i = 0; i < sum_.size(); ++i) {
    const float delta = factor * contribution.values[i];
    sum_[i] += static_cast<double>(delta) - last[i];
    last[i] = delta;
  }
  return true;
}

void StaleSum::skipped(const std::string& client) {
  if (last_.count(client) != 0) ++counts_.reused;
}

void StaleSum::forget(const std::string& client) {
  auto it = last_.find(client);
  if (it == last_.end()) return;
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] -= it->second[i];
  last_.erase(it);
  if (last_.empty()) sum_.assign(sum_.size(), 0.0);  // no rounding residue once empty
}

void StaleSum::commit_round(AggregationHost& host) {
  if (last_.empty()) return;  // nobody has ever uploaded: nothing to reuse
  for (size_t i = 0; i < sum_.size(); ++i) direction_[i] = static_cast<float>(sum_[i]);
  host.commit(Span<const float>(direction_.data(), direction_.size()), 1.0);
}

namespace {

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams&, const PolicyContext& context) {
  return std::unique_ptr<AggregationPolicy>(new StaleSum(context.model->dim()));
}

}  // namespace

extern const AggregationEntry kStaleSumEntry = {
    "stale-sum", "rounds; x -= sum of every worker's latest update, reused on Skip (SASG)",
    Span<const ParamSpec>(), make};

void StaleSum::save_state(StateWriter& out) const {
  RoundPolicy::save_state(out);
  out.doubles(Span<const double>(sum_.data(), sum_.size()));
  out.u32(static_cast<uint32_t>(last_.size()));
  for (const auto& [client, delta] : last_) {
    out.str(client);
    out.floats(Span<const float>(delta.data(), delta.size()));
  }
}

void StaleSum::restore_state(StateReader& in) {
  RoundPolicy::restore_state(in);
  in.doubles(&sum_, sum_.size(), "the sum of deltas");
  last_.clear();
  const uint32_t count = in.count(8);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    in.floats(&last_[client], sum_.size(), "a worker's delta");
  }
}

}  // namespace fedgate
