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
  const uint32_t limit = settings_.max_staleness != 0 ? settings_.max_staleness
                                                      : settings_.window - 1;
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

Result<std::unique_ptr<StalenessPolicy>> make_pc_asgd_staleness(const PolicyParams& params,
                                                                const GlobalModel& model) {
  PcAsgdSettings s;
  FG_ASSIGN_OR_RETURN(s.lambda, params.number("lambda", 0.1, 0.0, 1e6));
  FG_ASSIGN_OR_RETURN(s.theta, params.number("theta", 1.0, 0.0, 1.0));
  FG_ASSIGN_OR_RETURN(uint32_t adaptive, params.count("adaptive", 1, 0, 1));
  s.adaptive = adaptive != 0;
  FG_ASSIGN_OR_RETURN(s.window, params.count("window", 64, 2, 1u << 16));
  // A limit beyond the window could never be used: the snapshot is gone by then.
  FG_ASSIGN_OR_RETURN(s.max_staleness, params.count("max_staleness", 0, 0, s.window - 1));
  FG_ASSIGN_OR_RETURN(s.beta, params.number("beta", 0.9, 0.0, 0.999));
  return std::unique_ptr<StalenessPolicy>(new PcAsgdStaleness(s, model));
}

}  // namespace fedgate
