#include "coordinator/acceptance/drop_if_stale.h"

namespace fedgate {

Verdict DropIfStale::decide(const OfferContext& offer) {
  const uint32_t staleness = offer.current_version - offer.offer_version;
  // A fresh offer always passes, even with no active clients counted (tau_C = 0).
  return staleness <= threshold(offer) ? Verdict::kAccept : Verdict::kReject;
}

PolicySettings DropIfStale::settings() const {
  return {{"max_staleness", static_cast<double>(max_staleness_)}};
}

namespace {

constexpr ParamSpec kMaxStaleness{
    "max_staleness", ParamKind::kCount, 0, 0, 1u << 20, "tau_C; 0 = the number of active clients"};
constexpr ParamSpec kParams[] = {kMaxStaleness};

Result<std::unique_ptr<AcceptancePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(uint32_t max_staleness, params.count(kMaxStaleness));
  return std::unique_ptr<AcceptancePolicy>(new DropIfStale(max_staleness));
}

}  // namespace

extern const AcceptanceEntry kDropIfStaleEntry = {
    "drop-if-stale", "accept iff tau = t - v <= tau_C (Koloskova's eta_t = 0 branch)",
    param_table(kParams), make};

}  // namespace fedgate
