// Every server-side policy, one line each, in --list-policies order. A line
// names the family and the entry the policy's .cc defines (see policy_entry.h);
// adding a policy is its file plus one line here. Included only by
// policy_registry.cc, which defines FEDGATE_POLICY.
FEDGATE_POLICY(Acceptance, kAcceptAllEntry)
FEDGATE_POLICY(Acceptance, kNormRatioExactEntry)
FEDGATE_POLICY(Acceptance, kNormRatioSimplifiedEntry)
FEDGATE_POLICY(Acceptance, kDropIfStaleEntry)
FEDGATE_POLICY(Stepsize, kConstantStepsizeEntry)
FEDGATE_POLICY(Stepsize, kKoloskovaStepsizeEntry)
FEDGATE_POLICY(Stepsize, kMishchenkoStepsizeEntry)
FEDGATE_POLICY(Stepsize, kAetDiminishingStepsizeEntry)
FEDGATE_POLICY(Stepsize, kRescaledStepsizeEntry)
FEDGATE_POLICY(Stepsize, kShadowheartStepsizeEntry)
FEDGATE_POLICY(Staleness, kIdentityStalenessEntry)
FEDGATE_POLICY(Staleness, kPcAsgdStalenessEntry)
FEDGATE_POLICY(Aggregation, kApplyOnArrivalEntry)
FEDGATE_POLICY(Aggregation, kRandomDispatchEntry)
FEDGATE_POLICY(Aggregation, kStaleSumEntry)
FEDGATE_POLICY(Aggregation, kRoundBufferEntry)
FEDGATE_POLICY(Aggregation, kSyncMinibatchEntry)
FEDGATE_POLICY(Aggregation, kAddUpdateEntry)
