#include "core/protocol/client_policies.h"

#include <cstdio>
#include <cstring>

#include "core/compression/tensor_layout.h"

namespace fedgate {

// Each policy's .cc defines its entry; client_policy_list.h names them.
#define FEDGATE_CLIENT_POLICY(family, entry) extern const family##Entry entry;
#include "core/protocol/client_policy_list.h"
#undef FEDGATE_CLIENT_POLICY

namespace {

// One array per family from the one list: FEDGATE_ONLY_<family> keeps the
// lines of that family.
#define FEDGATE_CLIENT_POLICY(family, entry) FEDGATE_ONLY_##family(&entry)
#define FEDGATE_ONLY_Trigger(entry) entry,
#define FEDGATE_ONLY_Compression(entry)
const TriggerEntry* const kTriggers[] = {
#include "core/protocol/client_policy_list.h"
};
#undef FEDGATE_ONLY_Trigger
#undef FEDGATE_ONLY_Compression
#define FEDGATE_ONLY_Trigger(entry)
#define FEDGATE_ONLY_Compression(entry) entry,
const CompressionEntry* const kCompressions[] = {
#include "core/protocol/client_policy_list.h"
};
#undef FEDGATE_ONLY_Trigger
#undef FEDGATE_ONLY_Compression
#undef FEDGATE_CLIENT_POLICY

template <typename Entry>
void known_names(Span<const Entry* const> entries, char* out, size_t capacity) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < entries.size(); ++i) {
    const int n =
        std::snprintf(out + used, capacity - used, "%s%s", i == 0 ? "" : ", ", entries[i]->name);
    if (n < 0 || static_cast<size_t>(n) >= capacity - used) return;
    used += static_cast<size_t>(n);
  }
}

// The model's shape as the policies see it: one tensor when the layout is unknown.
struct ModelLayout {
  uint32_t tensors[4] = {};
  ClientModelShape shape;
};

Status layout_of(const TrainingSetup& setup, uint64_t seed, ModelLayout* layout) {
  if (setup.model_dim == 0) {
    return Status::error(StatusCode::kInvalidArgument, "model dimension is 0");
  }
  size_t count = model_tensor_sizes(setup.model_kind, setup.num_features, setup.num_classes,
                                    setup.hidden_units, layout->tensors);
  uint64_t sum = 0;
  for (size_t i = 0; i < count; ++i) sum += layout->tensors[i];
  if (sum != setup.model_dim) {  // unknown layout: one tensor
    count = 1;
    layout->tensors[0] = setup.model_dim;
  }
  layout->shape.dim = setup.model_dim;
  layout->shape.tensors = Span<const uint32_t>(layout->tensors, count);
  layout->shape.seed = seed;
  return Status::ok();
}

// Finds `name` in `entries`, reads its settings from `spec.params` (refusing
// settings it does not have) and, with `build`, constructs it.
template <typename Slot>
Status set_up(Span<const ClientPolicyEntry<Slot>* const> entries, const char* family,
              const char* name, const ClientPolicySpec& spec, const ClientModelShape& model,
              ClientPolicyNeeds* needs, StateCarver* state, Slot* build) {
  for (const auto* entry : entries) {
    if (std::strcmp(name, entry->name) != 0) continue;
    ParamReader reader(spec.params, family, name);
    FG_TRY(entry->setup(reader, model, needs, state, build));
    return reader.check_all_used();
  }
  char known[200];
  known_names(entries, known, sizeof(known));
  return Status::error(StatusCode::kNotFound, "unknown %s policy '%s' (known: %s)", family, name,
                       known);
}

const char* or_default(const char* name, const char* fallback) {
  return name != nullptr && name[0] != '\0' ? name : fallback;
}

// Validates both policies and, with the slots set, builds them.
Status set_up_both(const ClientPolicySpec& spec, const ClientModelShape& model,
                   ClientPolicyNeeds* needs, StateCarver* state, TriggerSlot* trigger,
                   CompressorSlots* compressors) {
  FG_TRY(set_up(trigger_policies(), "trigger", or_default(spec.trigger, kDefaultTrigger), spec,
                model, needs, state, trigger));
  return set_up(compression_policies(), "compression",
                or_default(spec.compression, kDefaultCompression), spec, model, needs, state,
                compressors);
}

}  // namespace

Span<const TriggerEntry* const> trigger_policies() {
  return Span<const TriggerEntry* const>(kTriggers, sizeof(kTriggers) / sizeof(kTriggers[0]));
}

Span<const CompressionEntry* const> compression_policies() {
  return Span<const CompressionEntry* const>(kCompressions,
                                             sizeof(kCompressions) / sizeof(kCompressions[0]));
}

Result<ClientPolicyNeeds> check_client_policies(const ClientPolicySpec& spec,
                                                const TrainingSetup& setup) {
  ModelLayout layout;
  FG_TRY(layout_of(setup, 0, &layout));
  ClientPolicyNeeds needs;
  StateCarver no_state{Span<float>(), Span<uint32_t>()};
  FG_TRY(set_up_both(spec, layout.shape, &needs, &no_state, nullptr, nullptr));
  return needs;
}

void ClientPolicies::destroy() {
  compressors_.reset();
  trigger_.reset();
}

Status ClientPolicies::configure(const ClientPolicySpec& spec, const TrainingSetup& setup,
                                 Span<float> floats, Span<uint32_t> indices, uint64_t seed) {
  destroy();
  ModelLayout layout;
  FG_TRY(layout_of(setup, seed, &layout));
  // Validate first, so that the state is checked before anything is built.
  ClientPolicyNeeds needs;
  FG_TRY(set_up_both(spec, layout.shape, &needs, nullptr, nullptr, nullptr));
  if (floats.size() < needs.state_floats || indices.size() < needs.state_indices) {
    return Status::error(StatusCode::kResourceExhausted,
                         "trigger and compression need %zu floats and %zu indices of state, "
                         "this client has %zu and %zu",
                         needs.state_floats, needs.state_indices, floats.size(), indices.size());
  }
  StateCarver state(floats, indices);
  ClientPolicyNeeds built;
  FG_TRY(set_up_both(spec, layout.shape, &built, &state, &trigger_, &compressors_));
  needs_ = built;
  return Status::ok();
}

}  // namespace fedgate
