#include "coordinator/acceptance/accept_all.h"

namespace fedgate {

namespace {

Result<std::unique_ptr<AcceptancePolicy>> make(const PolicyParams&, const PolicyContext&) {
  return std::unique_ptr<AcceptancePolicy>(new AcceptAll());
}

}  // namespace

extern const AcceptanceEntry kAcceptAllEntry = {
    "accept-all", "every offer is accepted (vanilla ASGD)", Span<const ParamSpec>(), make};

}  // namespace fedgate
