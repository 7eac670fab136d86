#include "coordinator/aggregation/apply_on_arrival.h"

namespace fedgate {

namespace {

Result<std::unique_ptr<AggregationPolicy>> make(const PolicyParams&, const PolicyContext&) {
  return std::unique_ptr<AggregationPolicy>(new ApplyOnArrival());
}

}  // namespace

extern const AggregationEntry kApplyOnArrivalEntry = {
    "apply-on-arrival", "apply each update at once, model back to the sender (ASGD)",
    Span<const ParamSpec>(), make};

}  // namespace fedgate
