#include "coordinator/staleness/identity_staleness.h"

namespace fedgate {

namespace {

Result<std::unique_ptr<StalenessPolicy>> make(const PolicyParams&, const PolicyContext&) {
  return std::unique_ptr<StalenessPolicy>(new IdentityStaleness());
}

}  // namespace

extern const StalenessEntry kIdentityStalenessEntry = {
    "identity", "stale gradients are applied as they are", Span<const ParamSpec>(), make};

}  // namespace fedgate
