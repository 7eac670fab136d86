#include "core/trigger/lag_trigger.h"

#include <cstring>
#include "core/protocol/client_policy_entry.h"

namespace fedgate {

LagTrigger::LagTrigger(const LagParams& params, uint32_t dim, Span<float> state)
    : params_(params),
      dim_(dim),
      previous_model_(state.subspan(0, dim)),
      anchor_(state.subspan(dim, dim)),
      old_gradient_(state.subspan(size_t{2} * dim, dim)) {
  if (params_.max_skips > kMaxHistory) params_.max_skips = kMaxHistory;
}

double LagTrigger::threshold() const {
  // The last D - 1 movements (fewer while the history fills).
  const uint32_t window = params_.max_skips > 0 ? params_.max_skips - 1 : 0;
  const uint32_t count = movement_count_ < window ? movement_count_ : window;
  double sum = 0;
  for (uint32_t j = 0; j < count; ++j) {
    sum += movements_[(movement_count_ - 1 - j) % kMaxHistory];
  }
  const double m = params_.workers;
  return sum / (params_.c * params_.lr * m * m);
}

Result<TriggerResult> LagTrigger::on_model(uint32_t version, Span<float> model, Span<float> out,
                                           GradientSource& source) {
  (void)version;
  if (have_previous_) {
    double movement = 0;
    for (uint32_t i = 0; i < dim_; ++i) {
      const double step = static_cast<double>(model[i]) - previous_model_[i];
      movement += step * step;
    }
    movements_[movement_count_ % kMaxHistory] = movement;
    ++movement_count_;
  }
  std::memcpy(previous_model_.data(), model.data(), dim_ * sizeof(float));
  have_previous_ = true;

  TriggerResult result;
  FG_ASSIGN_OR_RETURN(result.stats, source.compute(model, out));
  ++rounds_;
  const bool warm_up = rounds_ <= params_.max_skips || !have_sent_;
  const bool forced = skips_ >= params_.max_skips;
  if (warm_up || forced) {
    result.action = TriggerAction::kSend;
    return result;
  }
  // g_old on the same minibatch at x_hat. A source that cannot recompute
  // (refused at Config in a session; tests drive the trigger directly) leaves
  // the last uploaded gradient there, the LAG-WK1 form; a source that can but
  // fails ends the round with its error rather than comparing other minibatches.
  if (source.can_recompute()) {
    FG_ASSIGN_OR_RETURN(GradientStats old, source.recompute(anchor_, old_gradient_));
    result.stats.compute_us += old.compute_us;
  }
  double change = 0;
  for (uint32_t i = 0; i < dim_; ++i) {
    const double d = static_cast<double>(out[i]) - old_gradient_[i];
    change += d * d;
  }
  last_change_ = change;
  if (change > threshold()) {
    result.action = TriggerAction::kSend;
    return result;
  }
  ++skips_;
  result.action = TriggerAction::kSkip;
  return result;
}

void LagTrigger::on_sent(Span<const float> model, Span<const float> out) {
  std::memcpy(anchor_.data(), model.data(), dim_ * sizeof(float));
  std::memcpy(old_gradient_.data(), out.data(), dim_ * sizeof(float));
  have_sent_ = true;
  skips_ = 0;
}

namespace {

constexpr ParamSpec kMaxSkips{
    "max_skips",
    ParamKind::kCount,
    10,
    1,
    LagTrigger::kMaxHistory,
    FEDGATE_POLICY_DOC("D: a send is forced after D skips in a row, and the threshold sums "
                       "D - 1 movements")};
constexpr ParamSpec kC{"c", ParamKind::kAbove, 1, 0, 1e9, FEDGATE_POLICY_DOC("threshold divisor")};
constexpr ParamSpec kLr{"lr", ParamKind::kAbove,
                        0.05, 0,
                        1e6,  FEDGATE_POLICY_DOC("the server's stepsize the model moved with")};
constexpr ParamSpec kWorkers{
    "workers", ParamKind::kCount, 10, 1, 1000000, FEDGATE_POLICY_DOC("M: the number of workers")};
constexpr ParamSpec kParams[] = {kMaxSkips, kC, kLr, kWorkers};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, TriggerSlot* build) {
  LagParams p;
  FG_TRY(r.read(kMaxSkips, &p.max_skips));
  FG_TRY(r.read(kC, &p.c));
  FG_TRY(r.read(kLr, &p.lr));
  FG_TRY(r.read(kWorkers, &p.workers));
  needs->offers = false;
  needs->recompute = true;
  const size_t floats = LagTrigger::state_floats(model.dim);
  needs->state_floats += floats;
  if (build != nullptr) build->emplace<LagTrigger>(p, model.dim, state->floats(floats));
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kLagTriggerEntry = {
    "lag",
    FEDGATE_POLICY_DOC("LAG/SASG lazy rule: Skip when the gradient changed little against recent "
                       "model movement, forced send after max_skips skips"),
    param_table(kParams), setup};

}  // namespace fedgate
