#include "coordinator/stepsize/rescaled_stepsize.h"

#include <algorithm>
#include <map>

namespace fedgate {

void RescaledStepsize::observe(Estimate& estimate, double seconds) {
  if (seconds <= 0) return;
  if (estimate.seconds > 0) {
    inverse_sum_ -= 1.0 / estimate.seconds;
    estimate.seconds = beta_ * estimate.seconds + (1.0 - beta_) * seconds;
  } else {
    estimate.seconds = seconds;  // the first sample starts the average
    ++estimated_;
  }
  inverse_sum_ += 1.0 / estimate.seconds;
}

double RescaledStepsize::gamma(const StepContext& step) {
  if (step.client == nullptr) return gamma_;
  Estimate& estimate = clients_[*step.client];
  const bool by_compute = timing_ == RescaledTiming::kCompute && step.compute_us != 0;
  double seconds = by_compute ? step.compute_us / 1e6 : 0.0;
  if (!by_compute && estimate.last_us >= 0) {
    seconds = static_cast<double>(step.now_us - estimate.last_us) / 1e6;
  }
  estimate.last_us = step.now_us;
  observe(estimate, seconds);
  const double reference = reference_s();
  if (estimate.seconds <= 0 || reference <= 0) return gamma_;
  const double ratio = std::clamp(estimate.seconds / reference, 1.0 / max_ratio_, max_ratio_);
  return gamma_ * ratio;
}

double RescaledStepsize::estimate_s(const std::string& client) const {
  auto it = clients_.find(client);
  return it == clients_.end() ? 0.0 : it->second.seconds;
}

double RescaledStepsize::reference_s() const {
  return inverse_sum_ > 0 ? static_cast<double>(estimated_) / inverse_sum_ : 0.0;
}

void RescaledStepsize::on_client_left(const std::string& client) {
  if (clients_.erase(client) == 0) return;
  // Leaving is rare: recount exactly rather than carry rounding residue.
  recount();
}

void RescaledStepsize::recount() {
  inverse_sum_ = 0;
  estimated_ = 0;
  for (const auto& [id, estimate] : clients_) {
    if (estimate.seconds <= 0) continue;
    inverse_sum_ += 1.0 / estimate.seconds;
    ++estimated_;
  }
}

PolicySettings RescaledStepsize::settings() const {
  return {{"gamma", gamma_},
          {"beta", beta_},
          {"max_ratio", max_ratio_},
          {"compute_time", timing_ == RescaledTiming::kCompute ? 1.0 : 0.0}};
}

namespace {

constexpr ParamSpec kGamma{"gamma", ParamKind::kNumber,
                           0.05,    1e-12,
                           1e6,     "the stepsize of a client at the reference speed"};
constexpr ParamSpec kBeta{
    "beta", ParamKind::kNumber, 0.9, 0.0, 0.999, "EMA factor of the measured times"};
constexpr ParamSpec kMaxRatio{
    "max_ratio", ParamKind::kNumber,
    100.0,       1.0,
    1e6,         "tau_i / tau_ref is clamped to [1 / max_ratio, max_ratio]"};
constexpr ParamSpec kComputeTime{
    "compute_time",
    ParamKind::kCount,
    0,
    0,
    1,
    "0: tau_i is the client's cycle (inter-arrival) time; 1: its reported compute time"};
constexpr ParamSpec kParams[] = {kGamma, kBeta, kMaxRatio, kComputeTime};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number(kGamma));
  // beta = 1 would freeze the first sample forever; beta = 0 keeps only the last.
  FG_ASSIGN_OR_RETURN(double beta, params.number(kBeta));
  FG_ASSIGN_OR_RETURN(double max_ratio, params.number(kMaxRatio));
  FG_ASSIGN_OR_RETURN(uint32_t compute_time, params.count(kComputeTime));
  return std::unique_ptr<StepsizePolicy>(
      new RescaledStepsize(gamma, beta, max_ratio,
                           compute_time != 0 ? RescaledTiming::kCompute : RescaledTiming::kCycle));
}

}  // namespace

extern const StepsizeEntry kRescaledStepsizeEntry = {
    "rescaled",
    "gamma * tau_i / tau_ref, tau_i online cycle time, tau_ref harmonic mean (Rescaled ASGD)",
    param_table(kParams), make};

void RescaledStepsize::save_state(StateWriter& out) const {
  // Sorted by name, so equal states save to equal bytes.
  const std::map<std::string, Estimate> sorted(clients_.begin(), clients_.end());
  out.u32(static_cast<uint32_t>(sorted.size()));
  for (const auto& [client, estimate] : sorted) {
    out.str(client);
    out.f64(estimate.seconds);
    out.boolean(estimate.last_us >= 0);
    out.time_us(estimate.last_us);
  }
}

void RescaledStepsize::restore_state(StateReader& in) {
  clients_.clear();
  const uint32_t count = in.count(21);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    Estimate& estimate = clients_[client];
    estimate.seconds = in.f64();
    const bool arrived = in.boolean();
    const int64_t last_us = in.time_us();
    estimate.last_us = arrived ? last_us : -1;
  }
  recount();  // the sum of inverses is derived state
}

}  // namespace fedgate
