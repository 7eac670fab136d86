#include "coordinator/acceptance/norm_ratio_exact.h"

#include <cmath>
#include <cstring>

namespace fedgate {

NormRatioExact::NormRatioExact(double lambda, uint32_t window, const GlobalModel& model)
    : lambda_(lambda), window_(window), dim_(model.dim()), snapshots_(window * model.dim()) {
  store(model);
}

void NormRatioExact::store(const GlobalModel& model) {
  const size_t row = model.version() % window_;
  std::memcpy(snapshots_.data() + row * dim_, model.params().data(), dim_ * sizeof(float));
}

double NormRatioExact::distance(uint32_t offer_version, const GlobalModel& model) const {
  const float* snapshot = snapshots_.data() + (offer_version % window_) * dim_;
  const float* current = model.params().data();
  double sum = 0;
  for (size_t i = 0; i < dim_; ++i) {
    const double diff = static_cast<double>(current[i]) - snapshot[i];
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

Verdict NormRatioExact::decide(const OfferContext& offer) {
  const uint32_t staleness = offer.current_version - offer.offer_version;
  if (staleness == 0) return Verdict::kAccept;
  if (staleness >= window_) return Verdict::kOutsideWindow;
  const double dist = distance(offer.offer_version, *offer.model);
  return dist == 0 || offer.grad_norm >= lambda_ * dist ? Verdict::kAccept : Verdict::kReject;
}

void NormRatioExact::on_applied(const AppliedStep&, const GlobalModel& model) { store(model); }

PolicySettings NormRatioExact::settings() const {
  return {{"lambda", lambda_}, {"window", static_cast<double>(window_)}};
}

Result<std::unique_ptr<AcceptancePolicy>> make_norm_ratio_exact(const PolicyParams& params,
                                                                const GlobalModel& model) {
  FG_ASSIGN_OR_RETURN(double lambda, params.number("lambda", 10.0, 0.0, 1e12));
  FG_ASSIGN_OR_RETURN(uint32_t window, params.count("window", 64, 1, 1u << 16));
  return std::unique_ptr<AcceptancePolicy>(new NormRatioExact(lambda, window, model));
}

}  // namespace fedgate
