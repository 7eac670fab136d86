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
  // m_i as the message says (per-worker budgets differ), else the round's m; the
  // shadowheart stepsize weighs the message with the same pair.
  const uint32_t m = contribution.messages != 0 ? contribution.messages : settings_.messages;
  z_ += shadowheart_weight(b, m, settings_.s, settings_.omega) * b;
  b_[client] = b;
  summed_ = contribution.kind == wire::UpdateKind::SummedGradient;
  if (contribution.compute_us != 0) {
    const double h = contribution.compute_us / 1e6 / std::max<uint32_t>(contribution.gradients, 1);
    auto it = h_.find(client);
    if (it == h_.end()) {
      h_[client] = h;
    } else {
      it->second = 0.9 * it->second + 0.1 * h;
    }
  }
  return ++sent_[client] >= m;
}

void RoundBuffer::forget(const std::string& client) {
  sent_.erase(client);
  h_.erase(client);
  b_.erase(client);
  out_.erase(client);
  budget_.erase(client);
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
  budget_.clear();
  equilibrium_s_ = deadline_s_ = std::numeric_limits<double>::infinity();
  if (!settings_.equilibrium) return;
  std::vector<WorkerTimes> times;
  for (const std::string& member : member_set()) {
    auto it = h_.find(member);
    if (it == h_.end()) return;  // someone is unmeasured: wait for everyone
    times.push_back({it->second, settings_.send_s});
  }
  if (times.empty()) return;
  const ShadowheartPlan plan = shadowheart_plan(times, settings_.s, settings_.omega);
  equilibrium_s_ = plan.equilibrium_s;
  // Only a fixed-budget worker (it sends SummedGradients) can follow a budget.
  if (settings_.budgets && summed_) {
    assign_budgets(plan);
  } else {
    leave_out_the_late();
  }
}

void RoundBuffer::assign_budgets(const ShadowheartPlan& plan) {
  // b_i h_i <= t* and m_i tau_i <= t*: a worker that computes, then sends, is
  // done by 2 t*, which is when the round ends without the late ones.
  deadline_s_ = 2 * equilibrium_s_;
  size_t i = 0;
  for (const std::string& member : member_set()) {
    const uint32_t b = plan.gradients[i];
    // With no send time (send_s = 0) the plan has nothing to fill: m_i is the round's m.
    const uint32_t m = settings_.send_s > 0 ? plan.messages[i] : settings_.messages;
    ++i;
    if (b == 0 || m == 0) {
      out_.insert(member);  // the paper's inactive worker: too slow for t*
      continue;
    }
    RoundBudget budget;
    budget.batches = b;
    budget.sends = static_cast<uint16_t>(std::min<uint32_t>(m, 0xFFFF));
    budget_[member] = budget;
  }
  // t* >= the quickest worker's max(h, tau), so it always has a budget; this
  // only guards against a round with no one in it.
  if (budget_.empty() && !member_set().empty()) {
    out_.erase(*member_set().begin());
    budget_[*member_set().begin()] = RoundBudget{1, 1};
  }
}

void RoundBuffer::leave_out_the_late() {
  deadline_s_ = equilibrium_s_;
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

RoundBudget RoundBuffer::round_budget(const std::string& client) const {
  auto it = budget_.find(client);
  return it != budget_.end() ? it->second : RoundBudget();
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
          {"send_s", settings_.send_s},
          {"budgets", settings_.budgets ? 1.0 : 0.0}};
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
constexpr ParamSpec kBudgets{
    "budgets", ParamKind::kCount,
    1,         0,
    1,         "1: each fixed-budget worker gets its own b_i, m_i from t*"};
constexpr ParamSpec kRoundBufferParams[] = {kMessages, kS, kOmega, kEquilibrium, kSendS, kBudgets};

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
  FG_ASSIGN_OR_RETURN(uint32_t budgets, params.count(kBudgets));
  s.budgets = budgets != 0;
  return s;
}

extern const AggregationEntry kRoundBufferEntry = {
    "round-buffer",
    "rounds of weighted messages, commit after m per client or the equilibrium time (Shadowheart)",
    param_table(kRoundBufferParams), make};

}  // namespace fedgate
