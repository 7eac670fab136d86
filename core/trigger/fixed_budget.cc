#include "core/trigger/fixed_budget.h"

#include "core/protocol/client_policy_entry.h"

namespace fedgate {

namespace {

constexpr ParamSpec kBatches{"batches", ParamKind::kCount,
                             1,         1,
                             1000000,   FEDGATE_POLICY_DOC("b_i: gradients summed at one model")};
constexpr ParamSpec kSends{"sends",
                           ParamKind::kCount,
                           1,
                           1,
                           1000000,
                           FEDGATE_POLICY_DOC("m_i: compressed Updates of the sum; more than 1 "
                                              "needs the round-buffer aggregation")};
constexpr ParamSpec kParams[] = {kBatches, kSends};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, TriggerSlot* build) {
  FixedBudgetParams p;
  FG_TRY(r.read(kBatches, &p.batches));
  FG_TRY(r.read(kSends, &p.sends));
  needs->offers = false;
  needs->kind = wire::UpdateKind::SummedGradient;
  const size_t floats = FixedBudget::state_floats(model.dim);
  needs->state_floats += floats;
  if (build != nullptr) build->emplace<FixedBudget>(p, model.dim, state->floats(floats));
  return Status::ok();
}

}  // namespace

extern const TriggerEntry kFixedBudgetEntry = {
    "fixed-budget",
    FEDGATE_POLICY_DOC("Shadowheart: sum of b_i gradients at one point, sent m_i times compressed"),
    param_table(kParams), setup};

}  // namespace fedgate
