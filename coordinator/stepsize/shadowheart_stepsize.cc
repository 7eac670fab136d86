#include "coordinator/stepsize/shadowheart_stepsize.h"

#include <algorithm>

namespace fedgate {

double ShadowheartStepsize::weight(uint32_t gradients, uint32_t messages) const {
  const double b = std::max<uint32_t>(gradients, 1);
  const double m = std::max<uint32_t>(messages, 1);
  if (s_ == 0 && omega_ == 0) return 1.0;
  return 1.0 / (b * omega_ + omega_ * s_ + m * s_);
}

double ShadowheartStepsize::gamma(const StepContext& step) {
  const uint32_t b = std::max<uint32_t>(step.gradients, 1);
  const uint32_t m = std::max<uint32_t>(step.messages_per_round, 1);
  const double w = weight(b, m);
  const double term = w * m * b;
  if (step.client == nullptr) return gamma_ * w / term;
  Share& share = clients_[*step.client];
  z_ += term - share.term;
  share.term = term;
  return gamma_ * w / z_;
}

void ShadowheartStepsize::on_client_left(const std::string& client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  z_ -= it->second.term;
  clients_.erase(it);
  if (clients_.empty()) z_ = 0;
}

PolicySettings ShadowheartStepsize::settings() const {
  return {{"gamma", gamma_}, {"s", s_}, {"omega", omega_}};
}

Result<std::unique_ptr<StepsizePolicy>> make_shadowheart_stepsize(const PolicyParams& params) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number("gamma", 0.05, 1e-12, 1e6));
  FG_ASSIGN_OR_RETURN(double s, params.number("s", 0.0, 0.0, 1e12));
  FG_ASSIGN_OR_RETURN(double omega, params.number("omega", 0.0, 0.0, 1e9));
  return std::unique_ptr<StepsizePolicy>(new ShadowheartStepsize(gamma, s, omega));
}

}  // namespace fedgate
