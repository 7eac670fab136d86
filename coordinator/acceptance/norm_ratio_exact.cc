#include "coordinator/acceptance/norm_ratio_exact.h"

#include <algorithm>

namespace fedgate {

NormRatioExact::NormRatioExact(double lambda, uint32_t window, const GlobalModel& model)
    : lambda_(lambda), versions_(window, model), distances_(window, -1.0) {}

double NormRatioExact::distance(uint32_t offer_version, const GlobalModel& model) const {
  return versions_.distance(offer_version, model);
}

double NormRatioExact::cached_distance(uint32_t offer_version, const GlobalModel& model) {
  double& slot = distances_[offer_version % distances_.size()];
  if (slot < 0) slot = distance(offer_version, model);
  return slot;
}

Verdict NormRatioExact::decide(const OfferContext& offer) {
  const uint32_t staleness = offer.current_version - offer.offer_version;
  if (staleness == 0) return Verdict::kAccept;
  if (!versions_.holds(offer.offer_version, offer.current_version)) return Verdict::kOutsideWindow;
  const double dist = cached_distance(offer.offer_version, *offer.model);
  return dist == 0 || offer.grad_norm >= lambda_ * dist ? Verdict::kAccept : Verdict::kReject;
}

void NormRatioExact::on_applied(const AppliedStep&, const GlobalModel& model) {
  versions_.store(model);
  // Every remembered distance was to the previous model version.
  std::fill(distances_.begin(), distances_.end(), -1.0);
}

PolicySettings NormRatioExact::settings() const {
  return {{"lambda", lambda_}, {"window", static_cast<double>(versions_.window())}};
}

namespace {

constexpr ParamSpec kLambda{
    "lambda", ParamKind::kNumber, 10.0, 0.0, 1e12, "the norm ratio an offer must reach"};
constexpr ParamSpec kWindow{"window", ParamKind::kCount,
                            64,       1,
                            1u << 16, "model snapshots kept (older offers are rejected)"};
constexpr ParamSpec kParams[] = {kLambda, kWindow};

Result<std::unique_ptr<AcceptancePolicy>> make(const PolicyParams& params,
                                               const PolicyContext& context) {
  FG_ASSIGN_OR_RETURN(double lambda, params.number(kLambda));
  FG_ASSIGN_OR_RETURN(uint32_t window, params.count(kWindow));
  return std::unique_ptr<AcceptancePolicy>(new NormRatioExact(lambda, window, *context.model));
}

}  // namespace

extern const AcceptanceEntry kNormRatioExactEntry = {
    "norm-ratio-exact",
    "accept iff ||g|| >= lambda * ||x_t - x_v||, ring buffer of model snapshots",
    param_table(kParams), make};

void NormRatioExact::save_state(StateWriter& out) const { versions_.save_state(out); }

void NormRatioExact::restore_state(StateReader& in) {
  versions_.restore_state(in);
  std::fill(distances_.begin(), distances_.end(), -1.0);  // to snapshots now gone
}

}  // namespace fedgate
