#include "coordinator/stepsize/constant_stepsize.h"

namespace fedgate {

Result<std::unique_ptr<StepsizePolicy>> make_constant_stepsize(const PolicyParams& params) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number("gamma", 0.05, 1e-12, 1e6));
  return std::unique_ptr<StepsizePolicy>(new ConstantStepsize(gamma));
}

}  // namespace fedgate
