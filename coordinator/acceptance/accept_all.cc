#include "coordinator/acceptance/accept_all.h"

namespace fedgate {

Result<std::unique_ptr<AcceptancePolicy>> make_accept_all(const PolicyParams&,
                                                          const GlobalModel&) {
  return std::unique_ptr<AcceptancePolicy>(new AcceptAll());
}

}  // namespace fedgate
