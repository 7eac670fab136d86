#include "coordinator/staleness/pc_asgd_staleness.h"

namespace fedgate {

PcAsgdStaleness::PcAsgdStaleness(const PcAsgdSettings& settings, const GlobalModel& model)
    : settings_(settings),
      versions_(settings.window, model),
      corrected_(model.dim()),
      recent_(model.dim()) {}

void PcAsgdStaleness::remember(Span<const float> direction) {
  const float keep = has_recent_ ? static_cast<float>(settings_.beta) : 0.0f;
  for (size_t i = 0; i < recent_.size(); ++i) {
    recent_[i] = keep * recent_[i] + (1.0f - keep) * direction[i];
  }
  has_recent_ = true;
}

Corrected PcAsgdStaleness::transform(const StalenessContext& context, Span<const float> gradient) {
  const uint32_t tau = context.current_version - context.version;
  if (tau == 0) {
    remember(gradient);
    return {gradient, 1.0};
  }
  const uint32_t limit =
      settings_.max_staleness != 0 ? settings_.max_staleness : settings_.window - 1;
  if (tau > limit || !versions_.holds(context.version, context.current_version)) {
    ++clipped_;
    return {gradient, 0.0};
  }
  const Span<const float> past = versions_.snapshot(context.version);
  const Span<const float> now = context.model->params();
  const float lambda = static_cast<float>(settings_.lambda);
  double alignment = 0;
  for (size_t i = 0; i < corrected_.size(); ++i) {
    const float g = gradient[i];
    corrected_[i] = g + lambda * g * g * (now[i] - past[i]);
    alignment += static_cast<double>(corrected_[i]) * recent_[i];
  }
  double theta = settings_.theta;
  if (settings_.adaptive && has_recent_ && alignment <= 0) theta = 0;
  if (theta == 0) {
    ++clipped_;
    return {Span<const float>(corrected_.data(), corrected_.size()), 0.0};
  }
  ++predicted_;
  remember(Span<const float>(corrected_.data(), corrected_.size()));
  return {Span<const float>(corrected_.data(), corrected_.size()), theta};
}

PolicySettings PcAsgdStaleness::settings() const {
  return {{"lambda", settings_.lambda},
          {"theta", settings_.theta},
          {"adaptive", settings_.adaptive ? 1.0 : 0.0},
          {"max_staleness", static_cast<double>(settings_.max_staleness)},
          {"window", static_cast<double>(settings_.window)},
          {"beta", settings_.beta}};
}

namespace {

constexpr ParamSpec kLambda{
    "lambda", ParamKind::kNumber, 0.1, 0.0, 1e6, "weight of the Taylor correction"};
constexpr ParamSpec kTheta{
    "theta", ParamKind::kNumber, 1.0, 0.0, 1.0, "factor on the stepsize of a corrected gradient"};
constexpr ParamSpec kAdaptive{"adaptive",
                              ParamKind::kCount,
                              1,
                              0,
                              1,
                              "1: theta drops to 0 when the prediction points against the "
                              "recent direction"};
constexpr ParamSpec kWindow{"window", ParamKind::kCount, 64, 2, 1u << 16, "model snapshots kept"};
constexpr ParamSpec kMaxStaleness{
    "max_staleness",
    ParamKind::kCount,
    0,
    0,
    1u << 16,
    "older gradients are dropped; 0 = window - 1; at most window - 1"};
constexpr ParamSpec kBeta{
    "beta", ParamKind::kNumber, 0.9, 0.0, 0.999, "EMA factor of the recent direction"};
constexpr ParamSpec kParams[] = {kLambda, kTheta, kAdaptive, kWindow, kMaxStaleness, kBeta};

Result<std::unique_ptr<StalenessPolicy>> make(const PolicyParams& params,
                                              const PolicyContext& context) {
  PcAsgdSettings s;
  FG_ASSIGN_OR_RETURN(s.lambda, params.number(kLambda));
  FG_ASSIGN_OR_RETURN(s.theta, params.number(kTheta));
  FG_ASSIGN_OR_RETURN(uint32_t adaptive, params.count(kAdaptive));
  s.adaptive = adaptive != 0;
  FG_ASSIGN_OR_RETURN(s.window, params.count(kWindow));
  // A limit beyond the window could never be used: the snapshot is gone by then.
  FG_ASSIGN_OR_RETURN(s.max_staleness, params.count(kMaxStaleness.with_max(s.window - 1)));
  FG_ASSIGN_OR_RETURN(s.beta, params.number(kBeta));
  return std::unique_ptr<StalenessPolicy>(new PcAsgdStaleness(s, *context.model));
}

}  // namespace

extern const StalenessEntry kPcAsgdStalenessEntry = {
    "pc-asgd",
    "predict g + lambda g.g.(x_t - x_v), clip the rest, theta by an alignment test (PC-ASGD)",
    param_table(kParams), make};

void PcAsgdStaleness::save_state(StateWriter& out) const {
  versions_.save_state(out);
  out.floats(Span<const float>(recent_.data(), recent_.size()));
  out.boolean(has_recent_);
  out.u64(predicted_);
  out.u64(clipped_);
}

void PcAsgdStaleness::restore_state(StateReader& in) {
  versions_.restore_state(in);
  in.floats(&recent_, recent_.size(), "the recent direction");
  has_recent_ = in.boolean();
  predicted_ = in.u64();
  clipped_ = in.u64();
}

}  // namespace fedgate
