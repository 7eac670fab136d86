#include "coordinator/stepsize/shadowheart_stepsize.h"

#include <algorithm>

namespace fedgate {

double ShadowheartStepsize::weight(uint32_t gradients, uint32_t messages, double s, double omega) {
  const double b = std::max<uint32_t>(gradients, 1);
  const double m = std::max<uint32_t>(messages, 1);
  if (s == 0 && omega == 0) return 1.0;
  return 1.0 / (b * omega + omega * s + m * s);
}

double ShadowheartStepsize::gamma(const StepContext& step) {
  const uint32_t b = std::max<uint32_t>(step.gradients, 1);
  const uint32_t m = std::max<uint32_t>(messages_, 1);
  const double w = weight(b, m, s_, omega_);
  const double term = w * m * b;
  if (step.client == nullptr) return gamma_ * w / term;
  Share& share = clients_[*step.client];
  z_ += term - share.term;
  share.term = term;
  // Clients not heard from yet count as one gradient per message, so the
  // first round is not weighted as if the early senders were all there is.
  const double seen = static_cast<double>(clients_.size());
  const double unseen = step.busy_clients > seen ? step.busy_clients - seen : 0.0;
  const double z = z_ + unseen * weight(1, m, s_, omega_) * m;
  return gamma_ * w / z;
}

void ShadowheartStepsize::on_client_left(const std::string& client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  z_ -= it->second.term;
  clients_.erase(it);
  if (clients_.empty()) z_ = 0;
}

PolicySettings ShadowheartStepsize::settings() const { return {{"gamma", gamma_}}; }

namespace {

constexpr ParamSpec kGamma{"gamma",
                           ParamKind::kNumber,
                           0.05,
                           1e-12,
                           1e6,
                           "the stepsize of a round; s, omega and m come from "
                           "[aggregation.round-buffer]"};
constexpr ParamSpec kParams[] = {kGamma};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params,
                                             const PolicyContext& context) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number(kGamma));
  // The round's shape is the round-buffer aggregation's: read from its settings.
  const PolicyParams no_settings;
  FG_ASSIGN_OR_RETURN(
      RoundBufferSettings round,
      round_buffer_settings(context.aggregation_params != nullptr ? *context.aggregation_params
                                                                  : no_settings));
  return std::unique_ptr<StepsizePolicy>(new ShadowheartStepsize(gamma, round));
}

}  // namespace

extern const StepsizeEntry kShadowheartStepsizeEntry = {
    "shadowheart", "gamma * w_i / Z per message of a round (Shadowheart SGD; needs round-buffer)",
    param_table(kParams), make};

}  // namespace fedgate
