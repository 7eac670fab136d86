#include "coordinator/aggregation/round_buffer.h"

#include <algorithm>
#include <string>

namespace fedgate {

bool RoundBuffer::take(AggregationHost&, const std::string& client,
                       const Contribution& contribution) {
  const double factor = descent_factor(contribution);
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += factor * contribution.values[i];
  ++received_;
  const uint32_t b = std::max<uint32_t>(contribution.gradients, 1);
  z_ += shadowheart_weight(b, settings_.messages, settings_.s, settings_.omega) * b;
  b_[client] = b;
  if (contribution.compute_us != 0) {
    const double h = contribution.compute_us / 1e6 / std::max<uint32_t>(contribution.gradients, 1);
    auto it = h_.find(client);
    if (it == h_.end()) {
      h_[client] = h;
    } else {
      it->second = 0.9 * it->second + 0.1 * h;
    }
  }
  return ++sent_[client] >= settings_.messages;
}

void RoundBuffer::forget(const std::string& client) {
  sent_.erase(client);
  h_.erase(client);
  b_.erase(client);
  out_.erase(client);
}

void RoundBuffer::commit_round(AggregationHost& host) {
  if (received_ == 0) return;
  // Z of this round's contributors: the step is gamma times the mean gradient
  // in expectation, whoever made the round (docs/algorithms.md, round-buffer).
  const double z = z_ > 0 ? z_ : 1.0;
  for (size_t i = 0; i < sum_.size(); ++i) direction_[i] = static_cast<float>(sum_[i] / z);
  sum_.assign(sum_.size(), 0.0);
  received_ = 0;
  z_ = 0;
  host.commit(Span<const float>(direction_.data(), direction_.size()), 1.0);
}

void RoundBuffer::round_started(AggregationHost&) {
  sent_.clear();
  out_.clear();
  deadline_s_ = std::numeric_limits<double>::infinity();
  if (!settings_.equilibrium) return;
  std::vector<WorkerTimes> times;
  for (const std::string& member : member_set()) {
    auto it = h_.find(member);
    if (it == h_.end()) return;  // someone is unmeasured: wait for everyone
    times.push_back({it->second, settings_.send_s});
  }
  if (times.empty()) return;
  deadline_s_ = shadowheart_plan(times, settings_.s, settings_.omega).equilibrium_s;
  // Who cannot deliver its b_i gradients and then m messages (our worker does
  // one after the other) by t* would only compute for a commit that has
  // already happened: leave it out. The quickest member always takes part,
  // so a round never has no one in it.
  const double slack = deadline_s_ * (1 + 1e-12);
  std::string quickest;
  double quickest_s = std::numeric_limits<double>::infinity();
  for (const std::string& member : member_set()) {
    auto b = b_.find(member);
    const double gradients = b != b_.end() ? b->second : 1;
    const double busy = gradients * h_.at(member) + settings_.messages * settings_.send_s;
    if (busy > slack) out_.insert(member);
    if (busy < quickest_s) {
      quickest_s = busy;
      quickest = member;
    }
  }
  out_.erase(quickest);
}

bool RoundBuffer::complete(AggregationHost& host) const {
  if (RoundPolicy::complete(host)) return true;
  if (received_ == 0) return false;
  return static_cast<double>(host.now_us() - round_start_us()) / 1e6 >= deadline_s_;
}

PolicySettings RoundBuffer::settings() const {
  return {{"messages", static_cast<double>(settings_.messages)},
          {"s", settings_.s},
          {"omega", settings_.omega},
          {"equilibrium", settings_.equilibrium ? 1.0 : 0.0},
          {"send_s", settings_.send_s}};
}

namespace {

constexpr ParamSpec kMessages{"messages", ParamKind::kCount, 1,
                              1,          1u << 20,          "m: messages per client per round"};
constexpr ParamSpec kS{"s",  ParamKind::kNumber,
                       1.0,  0.0,
                       1e12, "sigma^2 / epsilon of the weights and of the equilibrium time"};
constexpr ParamSpec kOmega{
    "omega", ParamKind::kNumber, 0.0, 0.0, 1e9, "compressor variance (d / K - 1 for RandK)"};
constexpr ParamSpec kEquilibrium{
    "equilibrium", ParamKind::kCount, 1, 0, 1, "1: a round also ends at the equilibrium time t*"};
constexpr ParamSpec kSendS{
    "send_s", ParamKind::kNumber, 0.0, 0.0, 1e6, "tau_i: seconds to send one message"};
constexpr ParamSpec kRoundBufferParams[] = {kMessages, kS, kOmega, kEquilibrium, kSendS};

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams& params,
                                                const PolicyContext& context) {
  FG_ASSIGN_OR_RETURN(RoundBufferSettings s, round_buffer_settings(params));
  return std::unique_ptr<AggregationPolicy>(new RoundBuffer(s, context.model->dim()));
}

}  // namespace

Result<RoundBufferSettings> round_buffer_settings(const PolicyParams& params) {
  RoundBufferSettings s;
  FG_ASSIGN_OR_RETURN(s.messages, params.count(kMessages));
  FG_ASSIGN_OR_RETURN(s.s, params.number(kS));
  FG_ASSIGN_OR_RETURN(s.omega, params.number(kOmega));
  FG_ASSIGN_OR_RETURN(uint32_t equilibrium, params.count(kEquilibrium));
  s.equilibrium = equilibrium != 0;
  FG_ASSIGN_OR_RETURN(s.send_s, params.number(kSendS));
  return s;
}

extern const AggregationEntry kRoundBufferEntry = {
    "round-buffer",
    "rounds of weighted messages, commit after m per client or the equilibrium time (Shadowheart)",
    param_table(kRoundBufferParams), make};

}  // namespace fedgate
