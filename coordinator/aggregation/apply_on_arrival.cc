#include "coordinator/aggregation/apply_on_arrival.h"

namespace fedgate {

Result<std::unique_ptr<AggregationPolicy>> make_apply_on_arrival(const PolicyParams&,
                                                                 const GlobalModel&, uint64_t) {
  return std::unique_ptr<AggregationPolicy>(new ApplyOnArrival());
}

}  // namespace fedgate
