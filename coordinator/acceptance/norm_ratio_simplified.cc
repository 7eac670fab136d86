#include "coordinator/acceptance/norm_ratio_simplified.h"

namespace fedgate {

NormRatioSimplified::NormRatioSimplified(double lambda, uint32_t window)
    : lambda_(lambda), window_(window), prefix_(window, 0.0) {}

double NormRatioSimplified::distance_bound(uint32_t offer_version, uint32_t current_version) const {
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

namespace {

constexpr ParamSpec kLambda{
    "lambda", ParamKind::kNumber, 10.0, 0.0, 1e12, "the norm ratio an offer must reach"};
constexpr ParamSpec kWindow{
    "window", ParamKind::kCount, 64, 1, 1u << 20, "prefix sums kept (older offers are rejected)"};
constexpr ParamSpec kParams[] = {kLambda, kWindow};

Result<std::unique_ptr<AcceptancePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double lambda, params.number(kLambda));
  FG_ASSIGN_OR_RETURN(uint32_t window, params.count(kWindow));
  return std::unique_ptr<AcceptancePolicy>(new NormRatioSimplified(lambda, window));
}

}  // namespace

extern const AcceptanceEntry kNormRatioSimplifiedEntry = {
    "norm-ratio-simplified",
    "accept iff ||g|| >= lambda * (P_t - P_v), prefix sums of step lengths, O(1)",
    param_table(kParams), make};

void NormRatioSimplified::save_state(StateWriter& out) const {
  out.doubles(Span<const double>(prefix_.data(), prefix_.size()));
}

void NormRatioSimplified::restore_state(StateReader& in) {
  in.doubles(&prefix_, window_, "the prefix-sum window");
}

}  // namespace fedgate
