#include "coordinator/acceptance/norm_ratio_simplified.h"

namespace fedgate {

NormRatioSimplified::NormRatioSimplified(double lambda, uint32_t window)
    : lambda_(lambda), window_(window), prefix_(window, 0.0) {}

double NormRatioSimplified::distance_bound(uint32_t offer_version,
                                           uint32_t current_version) const {
  return prefix_[current_version % window_] - prefix_[offer_version % window_];
}

Verdict NormRatioSimplified::decide(const OfferContext& offer) {
  const uint32_t staleness = offer.current_version - offer.offer_version;
  if (staleness == 0) return Verdict::kAccept;
  if (staleness >= window_) return Verdict::kOutsideWindow;
  const double bound = distance_bound(offer.offer_version, offer.current_version);
  return bound <= 0 || offer.grad_norm >= lambda_ * bound ? Verdict::kAccept : Verdict::kReject;
}

void NormRatioSimplified::on_applied(const AppliedStep& step, const GlobalModel&) {
  const double previous = prefix_[(step.new_version - 1) % window_];
  prefix_[step.new_version % window_] = previous + step.gamma * step.grad_norm;
}

PolicySettings NormRatioSimplified::settings() const {
  return {{"lambda", lambda_}, {"window", static_cast<double>(window_)}};
}

Result<std::unique_ptr<AcceptancePolicy>> make_norm_ratio_simplified(const PolicyParams& params,
                                                                     const GlobalModel&) {
  FG_ASSIGN_OR_RETURN(double lambda, params.number("lambda", 10.0, 0.0, 1e12));
  FG_ASSIGN_OR_RETURN(uint32_t window, params.count("window", 64, 1, 1u << 20));
  return std::unique_ptr<AcceptancePolicy>(new NormRatioSimplified(lambda, window));
}

}  // namespace fedgate
