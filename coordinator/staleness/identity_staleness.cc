#include "coordinator/staleness/identity_staleness.h"

namespace fedgate {

Result<std::unique_ptr<StalenessPolicy>> make_identity_staleness(const PolicyParams&,
                                                                 const GlobalModel&) {
  return std::unique_ptr<StalenessPolicy>(new IdentityStaleness());
}

}  // namespace fedgate
