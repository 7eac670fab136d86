#include "coordinator/aggregation/add_update.h"

#include <algorithm>

#include "coordinator/checkpoint_names.h"

namespace fedgate {

uint32_t AddUpdate::round(const std::string& client) const {
  auto it = round_.find(client);
  return it == round_.end() ? 0 : it->second;
}

void AddUpdate::set_round(const std::string& client, uint32_t round) {
  auto it = round_.find(client);
  if (it != round_.end()) {
    rounds_.erase(rounds_.find(it->second));
    it->second = round;
  } else {
    round_[client] = round;
  }
  rounds_.insert(round);
}

void AddUpdate::release(AggregationHost& host) {
  const uint32_t floor = slowest();
  for (auto it = held_.begin(); it != held_.end();) {
    if (round(*it) - floor <= max_round_skew_) {
      const std::string client = *it;
      it = held_.erase(it);
      host.send_model(client);
    } else {
      ++it;
    }
  }
}

void AddUpdate::on_join(AggregationHost& host, const std::string& client) {
  held_.erase(client);
  if (round_.count(client) != 0) rounds_.erase(rounds_.find(round_[client]));
  round_.erase(client);
  set_round(client, slowest());
  host.send_model(client);
}

void AddUpdate::on_leave(AggregationHost& host, const std::string& client) {
  auto it = round_.find(client);
  if (it == round_.end()) return;
  rounds_.erase(rounds_.find(it->second));
  round_.erase(it);
  held_.erase(client);
  release(host);
}

bool AddUpdate::on_update(AggregationHost& host, const std::string& client,
                          const Contribution& contribution) {
  double factor = descent_factor(contribution);
  if (contribution.kind == wire::UpdateKind::LocalUpdate) {
    factor *= weight_ > 0 ? weight_ : 1.0 / std::max<size_t>(round_.size(), 1);
  }
  host.commit(contribution.values, factor);
  const uint32_t next = round(client) + 1;
  set_round(client, next);
  if (next - slowest() > max_round_skew_) {
    held_.insert(client);
    ++counts_.held;
  } else {
    host.send_model(client);
  }
  release(host);
  return true;
}

void AddUpdate::on_skip(AggregationHost& host, const std::string& client, uint32_t) {
  if (!held(client)) host.send_model(client);
}

void AddUpdate::on_model_request(AggregationHost& host, const std::string& client) {
  if (!held(client)) host.send_model(client);
}

namespace {

constexpr ParamSpec kMaxRoundSkew{
    "max_round_skew",
    ParamKind::kCount,
    5,
    0,
    1u << 20,
    "a client this many rounds ahead of the slowest waits for its next model"};
constexpr ParamSpec kWeight{
    "weight",
    ParamKind::kNumber,
    0,
    0,
    1e6,
    "w of x += w U for a local update; 0 = 1 / the number of clients (their average move)"};
constexpr ParamSpec kParams[] = {kMaxRoundSkew, kWeight};

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(uint32_t skew, params.count(kMaxRoundSkew));
  FG_ASSIGN_OR_RETURN(double weight, params.number(kWeight));
  return std::unique_ptr<AggregationPolicy>(new AddUpdate(skew, weight));
}

}  // namespace

extern const AggregationEntry kAddUpdateEntry = {
    "add-update",
    "x += w U for local updates (w = 1/n: the average), clients at most d_round rounds apart "
    "(AET-SGD)",
    param_table(kParams), make};

void AddUpdate::save_state(StateWriter& out) const {
  save_name_counts(out, round_);
  save_names(out, held_);
}

void AddUpdate::restore_state(StateReader& in) {
  restore_name_counts(in, &round_);
  rounds_.clear();
  for (const auto& [client, round] : round_) rounds_.insert(round);
  restore_names(in, &held_);
}

}  // namespace fedgate
