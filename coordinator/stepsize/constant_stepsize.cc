#include "coordinator/stepsize/constant_stepsize.h"

namespace fedgate {

namespace {

constexpr ParamSpec kGamma{"gamma", ParamKind::kNumber, 0.05, 1e-12, 1e6, "the stepsize"};
constexpr ParamSpec kParams[] = {kGamma};

Result<std::unique_ptr<StepsizePolicy>> make(const PolicyParams& params, const PolicyContext&) {
  FG_ASSIGN_OR_RETURN(double gamma, params.number(kGamma));
  return std::unique_ptr<StepsizePolicy>(new ConstantStepsize(gamma));
}

}  // namespace

extern const StepsizeEntry kConstantStepsizeEntry = {"constant", "gamma for every update",
                                                     param_table(kParams), make};

}  // namespace fedgate
