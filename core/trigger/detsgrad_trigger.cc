#include "core/trigger/detsgrad_trigger.h"

#include <cmath>
#include <cstring>
#include "core/protocol/client_policy_entry.h"

namespace fedgate {

DetsgradTrigger::DetsgradTrigger(const DetsgradParams& params, uint32_t dim, Span<float> state)
    : params_(params),
      dim_(dim),
      v0_(params.v0 > 0 ? params.v0 : std::floor(0.2 * dim / params.workers)),
      sent_(state.subspan(0, dim)),
      gradient_(state.subspan(dim, dim)) {}

Result<TriggerResult> DetsgradTrigger::on_model(uint32_t version, Span<float> model,
                                                Span<float> out, GradientSource& source) {
  (void)version;
  std::memcpy(sent_.data(), model.data(), dim_ * sizeof(float));
  TriggerResult result;
  result.action = TriggerAction::kSend;
  result.kind = wire::UpdateKind::LocalUpdate;
  uint32_t steps = 0;
  for (;;) {
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, gradient_));
    ++steps;
    accumulate_stats(stats, steps, &result.stats);
    const float a = static_cast<float>(alpha(local_steps_));
    ++local_steps_;
    double drift = 0;  // ||x - x_sent||_1
    for (uint32_t i = 0; i < dim_; ++i) {
      model[i] -= a * gradient_[i];
      drift += std::fabs(static_cast<double>(model[i]) - sent_[i]);
    }
    if (drift >= alpha(local_steps_) * v0_ || steps >= params_.max_steps) break;
  }
  for (uint32_t i = 0; i < dim_; ++i) out[i] = model[i] - sent_[i];
  result.steps = steps;
  return result;
}

namespace {

constexpr ParamSpec kAlpha0{
    "alpha0", ParamKind::kAbove, 0.01, 0, 1e3, FEDGATE_POLICY_DOC("local stepsize at t = 0")};
constexpr ParamSpec kDecay{"decay", ParamKind::kNumber,
                           1e-5,    0,
                           1e6,     FEDGATE_POLICY_DOC("alpha_t = alpha0 / (1 + decay t)")};
constexpr ParamSpec kV0{"v0", ParamKind::kNumber,
                        0,    0,
                        1e15, FEDGATE_POLICY_DOC("send threshold; 0 = 0.2 d / workers")};
constexpr ParamSpec kWorkers{
    "workers", ParamKind::kCount, 5, 1, 1000000, FEDGATE_POLICY_DOC("the number of workers")};
constexpr ParamSpec kMaxSteps{"max_steps", ParamKind::kCount,
                              1000,        1,
                              10000000,    FEDGATE_POLICY_DOC("cap on local steps per round")};
constexpr ParamSpec kParams[] = {kAlpha0, kDecay, kV0, kWorkers, kMaxSteps};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, TriggerSlot* build) {
  DetsgradParams p;
  FG_TRY(r.read(kAlpha0, &p.alpha0));
  FG_TRY(r.read(kDecay, &p.decay));
  FG_TRY(r.read(kV0, &p.v0));
  FG_TRY(r.read(kWorkers, &p.workers));
  FG_TRY(r.read(kMaxSteps, &p.max_steps));
  needs->offers = false;
  needs->kind = wire::UpdateKind::LocalUpdate;
  const size_t floats = DetsgradTrigger::state_floats(model.dim);
  needs->state_floats += floats;
  if (build != nullptr) build->emplace<DetsgradTrigger>(p, model.dim, state->floats(floats));
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kDetsgradTriggerEntry = {
    "detsgrad",
    FEDGATE_POLICY_DOC("DETSGRAD baseline: local steps until ||x - x_sent||_1 >= alpha_t * v0, "
                       "then a LocalUpdate"),
    param_table(kParams), setup};

}  // namespace fedgate
