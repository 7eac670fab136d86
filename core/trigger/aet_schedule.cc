#include "core/trigger/aet_schedule.h"

#include <cmath>
#include "core/protocol/client_policy_entry.h"

namespace fedgate {

AetSchedule::AetSchedule(const AetScheduleParams& params, uint32_t dim, Span<float> state)
    : params_(params), dim_(dim), gradient_(state.subspan(0, dim)) {}

uint32_t AetSchedule::steps_in_round(uint32_t round) const {
  const double s = std::ceil(params_.a * round + params_.b);
  if (s < 1) return 1;
  return s > params_.max_steps ? params_.max_steps : static_cast<uint32_t>(s);
}

double AetSchedule::stepsize(uint64_t steps_before) const {
  const double eta =
      params_.eta0 / (1.0 + params_.decay * std::sqrt(static_cast<double>(steps_before)));
  return eta > params_.min_eta ? eta : params_.min_eta;
}

Result<TriggerResult> AetSchedule::on_model(uint32_t version, Span<float> model, Span<float> out,
                                            GradientSource& source) {
  (void)version;
  TriggerResult result;
  result.action = TriggerAction::kSend;
  result.kind = wire::UpdateKind::LocalUpdate;
  result.round = round_;
  result.steps = steps_in_round(round_);
  const float eta = static_cast<float>(stepsize(local_steps_));
  for (uint32_t i = 0; i < dim_; ++i) out[i] = 0.0f;
  for (uint32_t step = 1; step <= result.steps; ++step) {
    FG_ASSIGN_OR_RETURN(GradientStats stats, source.compute(model, gradient_));
    accumulate_stats(stats, step, &result.stats);
    for (uint32_t i = 0; i < dim_; ++i) {
      model[i] -= eta * gradient_[i];
      out[i] -= eta * gradient_[i];
    }
  }
  local_steps_ += result.steps;
  ++round_;
  return result;
}

namespace {

constexpr ParamSpec kA{"a", ParamKind::kNumber, 10, 0, 1e6, FEDGATE_POLICY_DOC("slope of s_r")};
constexpr ParamSpec kB{"b", ParamKind::kNumber, 0, 0, 1e6, FEDGATE_POLICY_DOC("offset of s_r")};
constexpr ParamSpec kEta0{
    "eta0", ParamKind::kAbove, 0.01, 0, 1e3, FEDGATE_POLICY_DOC("local stepsize at t = 0")};
constexpr ParamSpec kDecay{
    "decay", ParamKind::kNumber, 0.01, 0, 1e6, FEDGATE_POLICY_DOC("b of eta0 / (1 + b sqrt(t))")};
constexpr ParamSpec kMinEta{
    "min_eta", ParamKind::kNumber, 1e-7, 0, 1e3, FEDGATE_POLICY_DOC("floor of the local stepsize")};
constexpr ParamSpec kMaxSteps{
    "max_steps", ParamKind::kCount, 100000,
    1,           10000000,          FEDGATE_POLICY_DOC("cap on s_r, so one round stays bounded")};
constexpr ParamSpec kParams[] = {kA, kB, kEta0, kDecay, kMinEta, kMaxSteps};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, TriggerSlot* build) {
  AetScheduleParams p;
  FG_TRY(r.read(kA, &p.a));
  FG_TRY(r.read(kB, &p.b));
  FG_TRY(r.read(kEta0, &p.eta0));
  FG_TRY(r.read(kDecay, &p.decay));
  FG_TRY(r.read(kMinEta, &p.min_eta));
  FG_TRY(r.read(kMaxSteps, &p.max_steps));
  needs->offers = false;
  needs->kind = wire::UpdateKind::LocalUpdate;
  const size_t floats = AetSchedule::state_floats(model.dim);
  needs->state_floats += floats;
  if (build != nullptr) build->emplace<AetSchedule>(p, model.dim, state->floats(floats));
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kAetScheduleEntry = {
    "aet-schedule",
    FEDGATE_POLICY_DOC("AET-SGD: s_r = ceil(a*r + b) local SGD steps, then one LocalUpdate"),
    param_table(kParams), setup};

}  // namespace fedgate
