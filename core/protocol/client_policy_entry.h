// How one client-side policy (a trigger or a compression) describes itself:
// name, one-line summary, parameter table, and one setup function that reads
// and checks its settings, says what it needs and, when asked, builds the
// policy into inline storage (placement new; no heap, no exceptions). Its .cc
// defines the entry and core/protocol/client_policy_list.h names it in one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "core/base/param_reader.h"
#include "core/base/span.h"
#include "core/base/status.h"
#include "core/compression/compressor.h"
#include "core/compression/error_feedback.h"
#include "core/trigger/trigger.h"
#include "schemas/fedgate_generated.h"

namespace fedgate {

// What a validated choice needs and produces.
struct ClientPolicyNeeds {
  size_t state_floats = 0;       // caller-owned float state
  size_t state_indices = 0;      // caller-owned index state
  size_t max_payload_bytes = 0;  // vector payload of one Update at most
  wire::Codec codec = wire::Codec::Dense;
  wire::UpdateKind kind = wire::UpdateKind::Gradient;  // what the trigger sends
  bool offers = true;                                  // the trigger offers a norm first
  bool recompute = false;  // the trigger needs GradientSource::recompute (LAG)
  uint32_t k = 0;          // values per sparse message (0 for dense)
};

// The model a policy is set up for.
struct ClientModelShape {
  uint32_t dim = 0;
  Span<const uint32_t> tensors;  // parameter count of each tensor (sums to dim)
  uint64_t seed = 0;             // this client's seed (differs per client)
};

// Caller-owned state memory, handed out in order: trigger first, then compression.
class StateCarver {
 public:
  StateCarver(Span<float> floats, Span<uint32_t> indices) : floats_(floats), indices_(indices) {}
  Span<float> floats(size_t n) {
    Span<float> part = floats_.subspan(float_at_, n);
    float_at_ += n;
    return part;
  }
  Span<uint32_t> indices(size_t n) {
    Span<uint32_t> part = indices_.subspan(index_at_, n);
    index_at_ += n;
    return part;
  }

 private:
  Span<float> floats_;
  Span<uint32_t> indices_;
  size_t float_at_ = 0;
  size_t index_at_ = 0;
};

// Room for one policy object of at most Bytes bytes.
template <typename Base, size_t Bytes>
class InlineSlot {
 public:
  InlineSlot() = default;
  ~InlineSlot() { reset(); }
  InlineSlot(const InlineSlot&) = delete;
  InlineSlot& operator=(const InlineSlot&) = delete;

  template <typename T, typename... Args>
  T* emplace(Args&&... args) {
    static_assert(sizeof(T) <= Bytes,
                  "policy too large for its slot: raise the slot size in "
                  "core/protocol/client_policy_entry.h");
    static_assert(alignof(T) <= alignof(std::max_align_t), "over-aligned policy");
    reset();
    T* object = new (storage_) T(std::forward<Args>(args)...);
    object_ = object;
    return object;
  }
  void reset() {
    if (object_ != nullptr) object_->~Base();
    object_ = nullptr;
  }
  Base* get() const { return object_; }

 private:
  alignas(std::max_align_t) unsigned char storage_[Bytes];
  Base* object_ = nullptr;
};

// Slot sizes: exactly the largest policy of each family on 32-bit (Cortex-M4)
// and 64-bit targets, LagTrigger (its ring of 64 movements) and TopKCompressor,
// so the MCU spends no RAM on slack. A policy that outgrows its slot fails to
// compile (InlineSlot::emplace); raise the size then.
constexpr size_t kTriggerSlotBytes = 576 + 8 * sizeof(void*);
constexpr size_t kCompressorSlotBytes = 56 + 6 * sizeof(void*);

using TriggerSlot = InlineSlot<Trigger, kTriggerSlotBytes>;

// A compressor, and the error feedback some compressors wrap themselves in.
struct CompressorSlots {
  InlineSlot<Compressor, kCompressorSlotBytes> inner;
  InlineSlot<Compressor, sizeof(ErrorFeedback)> feedback;
  Compressor* outer() const { return feedback.get() != nullptr ? feedback.get() : inner.get(); }
  void reset() {
    feedback.reset();
    inner.reset();
  }
};

// `setup` reads its settings from `reader` and adds what it needs to `needs`;
// with `build` set, it also constructs the policy there, taking its state from
// `state` (which then holds at least `needs`).
template <typename Slot>
struct ClientPolicyEntry {
  const char* name;
  const char* summary;           // one line for --list-policies and the docs
  Span<const ParamSpec> params;  // every setting, in the order they are listed
  Status (*setup)(ParamReader& reader, const ClientModelShape& model, ClientPolicyNeeds* needs,
                  StateCarver* state, Slot* build);
};

using TriggerEntry = ClientPolicyEntry<TriggerSlot>;
using CompressionEntry = ClientPolicyEntry<CompressorSlots>;

}  // namespace fedgate
