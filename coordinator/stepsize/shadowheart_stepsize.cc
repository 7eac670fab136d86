#include "coordinator/stepsize/shadowheart_stepsize.h"

#include <algorithm>

namespace fedgate {

double ShadowheartStepsize::weight(uint32_t gradients, uint32_t messages, double s,
                                   double omega) {
  const double b = std::max<uint32_t>(gradients, 1);
  const double m = std::max<uint32_t>(messages, 1);
  if (s == 0 && omega == 0) return 1.0;
  return 1.0 / (b * omega + omega * s + m * s);
}

double ShadowheartStepsize::gamma(const StepContext& step) {
  const uint32_t b = std::max<uint32_t>(step.gradients, 1);
  const uint32_t m = std::max<uint32_t>(step.messages_per_round, 1);
  const double w = weight(b, m, step.variance_s, step.omega);
  const double term = w * m * b;
  if (step.client == nullptr) return gamma_ * w / term;
  Share& share = clients_[*step.client];
  z_ += term - share.term;
  share.term = term;
  // Clients not heard from yet count as one gradient per message, so the
  // first round is not weighted as if the early senders were all there is.
  const double seen = static_cast<double>(clients_.size());
  const double unseen = step.busy_clients > seen ? step.busy_clients - seen : 0.0;
  const double z = z_ + unseen * weight(1, m, step.variance_s, step.omega) * m;
  return gamma_ * w / z;
}

void ShadowheartStepsize::on_client_left(const std::string& client) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return;
  z_ -= it->second.term;
  clients_.erase(it);
  if (clients_.empty()) z_ = 0;
}

PolicySettings ShadowheartStepsize::settings() const {
  return {{"gamma", gamma_}};
}

Result<std::unique_ptr<StepsizePolicy>> make_shadowheart_stepsize(const PolicyParams& params) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number("gamma", 0.05, 1e-12, 1e6));
  return std::unique_ptr<StepsizePolicy>(new ShadowheartStepsize(gamma));
}

}  // namespace fedgate
