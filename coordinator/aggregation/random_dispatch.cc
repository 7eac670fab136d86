#include "coordinator/aggregation/random_dispatch.h"

#include <cstring>
#include <type_traits>

#include "coordinator/checkpoint_names.h"

namespace fedgate {

uint32_t RandomDispatch::owed(const std::string& client) const {
  auto it = owed_.find(client);
  return it == owed_.end() ? 0 : it->second;
}

void RandomDispatch::give(AggregationHost& host, const std::string& client) {
  busy_.insert(client);
  host.send_model(client);
}

void RandomDispatch::assign_random(AggregationHost& host) {
  if (members_.empty()) return;
  const std::string& chosen = members_[rng_.uniform(static_cast<uint32_t>(members_.size()))];
  if (busy(chosen)) {
    ++owed_[chosen];
    ++counts_.held;
  } else {
    give(host, chosen);
  }
}

void RandomDispatch::serve_owed(AggregationHost& host, const std::string& client) {
  auto it = owed_.find(client);
  if (busy(client) || it == owed_.end()) return;
  if (--it->second == 0) owed_.erase(it);
  give(host, client);
}

void RandomDispatch::on_join(AggregationHost& host, const std::string& client) {
  if (position_.count(client) == 0) {
    position_[client] = members_.size();
    members_.push_back(client);
  }
  give(host, client);
}

void RandomDispatch::on_leave(AggregationHost& host, const std::string& client) {
  auto it = position_.find(client);
  if (it == position_.end()) return;
  // Swap-remove keeps the draw O(1).
  const size_t index = it->second;
  members_[index] = members_.back();
  position_[members_[index]] = index;
  members_.pop_back();
  position_.erase(client);
  uint32_t jobs = owed(client) + (busy(client) ? 1 : 0);
  owed_.erase(client);
  busy_.erase(client);
  while (jobs-- > 0) assign_random(host);
}

bool RandomDispatch::on_update(AggregationHost& host, const std::string& client,
                               const Contribution& contribution) {
  busy_.erase(client);
  host.commit(contribution.values, descent_factor(contribution));
  assign_random(host);
  serve_owed(host, client);
  return true;
}

void RandomDispatch::on_skip(AggregationHost& host, const std::string& client, uint32_t) {
  // No new version, so no new job: the client keeps the one it had.
  busy_.erase(client);
  give(host, client);
}

void RandomDispatch::on_model_request(AggregationHost& host, const std::string& client) {
  if (busy(client)) host.send_model(client);  // lost chunks of a job it holds
}

namespace {

constexpr ParamSpec kSeed{
    "seed", ParamKind::kNumber, 0, 0, 9.0e15, "seed of the draws; 0 = the model seed"};
constexpr ParamSpec kParams[] = {kSeed};

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams& params,
                                                const PolicyContext& context) {
  // seed 0: the run's model seed, so one seed reproduces the whole run.
  FG_ASSIGN_OR_RETURN(double own_seed, params.number(kSeed));
  return std::unique_ptr<AggregationPolicy>(
      new RandomDispatch(own_seed != 0 ? static_cast<uint64_t>(own_seed) : context.seed));
}

}  // namespace

extern const AggregationEntry kRandomDispatchEntry = {
    "random-dispatch",
    "apply at once, next model to a uniformly random client, queued while it is busy (Koloskova "
    "Alg. 2)",
    param_table(kParams), make};

void RandomDispatch::save_state(StateWriter& out) const {
  // Rng is four words of plain state; copied as they are (core stays untouched).
  static_assert(sizeof(Rng) == 4 * sizeof(uint32_t) && std::is_trivially_copyable_v<Rng>);
  uint32_t rng_state[4];
  std::memcpy(rng_state, &rng_, sizeof(rng_state));
  for (const uint32_t word : rng_state) out.u32(word);
  out.u32(static_cast<uint32_t>(members_.size()));
  for (const std::string& member : members_) out.str(member);
  save_names(out, busy_);
  save_name_counts(out, owed_);
}

void RandomDispatch::restore_state(StateReader& in) {
  uint32_t rng_state[4];
  for (uint32_t& word : rng_state) word = in.u32();
  std::memcpy(static_cast<void*>(&rng_), rng_state, sizeof(rng_state));
  members_.clear();
  position_.clear();
  const uint32_t count = in.count(4);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string member = in.str();
    position_[member] = members_.size();
    members_.push_back(member);
  }
  restore_names(in, &busy_);
  restore_name_counts(in, &owed_);
}

}  // namespace fedgate
