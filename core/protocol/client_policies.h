// ClientPolicies: the trigger and compression a client runs, chosen by name in
// the coordinator's Config and built into storage inside this object
// (placement new; no heap), with their state vectors in caller-owned memory.
//
// check_client_policies() is the one place names and parameters are
// validated: the coordinator calls it at start-up, the client on Config, so
// both reject the same settings with the same message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "core/base/param_reader.h"
#include "core/protocol/client_policy_entry.h"
#include "core/protocol/gradient_source.h"

namespace fedgate {

constexpr const char* kDefaultTrigger = "offer-first";
constexpr const char* kDefaultCompression = "dense";

struct ClientPolicySpec {
  const char* trigger = kDefaultTrigger;
  const char* compression = kDefaultCompression;
  // Settings named "trigger.<key>" and "compression.<key>"; others are ignored.
  Span<const NamedParam> params;
};

// Memory that covers every policy for a model of `dim` parameters.
constexpr size_t client_policy_floats(size_t dim) { return 6 * dim; }
constexpr size_t client_policy_indices(size_t dim) { return dim; }

// Validates names and settings for the model `setup` describes. Errors name
// the unknown policy and list the known ones, or name the setting and its range.
Result<ClientPolicyNeeds> check_client_policies(const ClientPolicySpec& spec,
                                                const TrainingSetup& setup);

// The registered policies (core/protocol/client_policy_list.h), in list order.
Span<const TriggerEntry* const> trigger_policies();
Span<const CompressionEntry* const> compression_policies();

class ClientPolicies {
 public:
  ClientPolicies() = default;
  ~ClientPolicies() { destroy(); }
  ClientPolicies(const ClientPolicies&) = delete;
  ClientPolicies& operator=(const ClientPolicies&) = delete;

  // Builds the policies `spec` names for `setup`, replacing earlier ones.
  // `floats`/`indices` must hold the ClientPolicyNeeds amounts and outlive
  // this object; `seed` seeds rand-k masks (make it differ per client).
  Status configure(const ClientPolicySpec& spec, const TrainingSetup& setup, Span<float> floats,
                   Span<uint32_t> indices, uint64_t seed);

  bool ready() const { return trigger_.get() != nullptr; }
  Trigger& trigger() { return *trigger_.get(); }
  Compressor& compressor() { return *compressors_.outer(); }
  const ClientPolicyNeeds& needs() const { return needs_; }

 private:
  void destroy();

  // Destroyed in reverse: the error feedback wraps the compressor.
  TriggerSlot trigger_;
  CompressorSlots compressors_;
  ClientPolicyNeeds needs_;
};

}  // namespace fedgate
