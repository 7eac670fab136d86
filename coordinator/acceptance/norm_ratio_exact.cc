#include "coordinator/acceptance/norm_ratio_exact.h"

namespace fedgate {

NormRatioExact::NormRatioExact(double lambda, uint32_t window, const GlobalModel& model)
    : lambda_(lambda), versions_(window, model) {}

double NormRatioExact::distance(uint32_t offer_version, const GlobalModel& model) const {
  return versions_.distance(offer_version, model);
}

Verdict NormRatioExact::decide(const OfferContext& offer) {
  const uint32_t staleness = offer.current_version - offer.offer_version;
  if (staleness == 0) return Verdict::kAccept;
  if (!versions_.holds(offer.offer_version, offer.current_version)) return Verdict::kOutsideWindow;
  const double dist = distance(offer.offer_version, *offer.model);
  return dist == 0 || offer.grad_norm >= lambda_ * dist ? Verdict::kAccept : Verdict::kReject;
}

void NormRatioExact::on_applied(const AppliedStep&, const GlobalModel& model) {
  versions_.store(model);
}

PolicySettings NormRatioExact::settings() const {
  return {{"lambda", lambda_}, {"window", static_cast<double>(versions_.window())}};
}
Result<std::unique_ptr<AcceptancePolicy>> make_norm_ratio_exact(const PolicyParams& params,
                                                                const GlobalModel& model) {
  FG_ASSIGN_OR_RETURN(double lambda, params.number("lambda", 10.0, 0.0, 1e12));
  FG_ASSIGN_OR_RETURN(uint32_t window, params.count("window", 64, 1, 1u << 16));
  return std::unique_ptr<AcceptancePolicy>(new NormRatioExact(lambda, window, model));
}

}  // namespace fedgate
