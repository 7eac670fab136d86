// Every client-side policy, one line each, in --list-policies order (the
// first of each family is its default). A line names the family and the entry
// the policy's .cc defines (see client_policy_entry.h); adding a policy is its
// file plus one line here. Included only by client_policies.cc, which defines
// FEDGATE_CLIENT_POLICY.
FEDGATE_CLIENT_POLICY(Trigger, kOfferFirstEntry)
FEDGATE_CLIENT_POLICY(Trigger, kEveryStepEntry)
FEDGATE_CLIENT_POLICY(Trigger, kLagTriggerEntry)
FEDGATE_CLIENT_POLICY(Trigger, kAetScheduleEntry)
FEDGATE_CLIENT_POLICY(Trigger, kDetsgradTriggerEntry)
FEDGATE_CLIENT_POLICY(Trigger, kFixedBudgetEntry)
FEDGATE_CLIENT_POLICY(Compression, kDenseCompressorEntry)
FEDGATE_CLIENT_POLICY(Compression, kTopKCompressorEntry)
FEDGATE_CLIENT_POLICY(Compression, kRandKCompressorEntry)
