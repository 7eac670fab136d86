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

Result<std::unique_ptr<AcceptancePolicy>> make_drop_if_stale(const PolicyParams& params,
                                                             const GlobalModel&) {
  FG_ASSIGN_OR_RETURN(uint32_t max_staleness, params.count("max_staleness", 0, 0, 1u << 20));
  return std::unique_ptr<AcceptancePolicy>(new DropIfStale(max_staleness));
}

}  // namespace fedgate
