#include "core/protocol/client_policies.h"

#include <cstdio>
#include <cstring>

#include "core/compression/tensor_layout.h"

namespace fedgate {
namespace {

enum class TriggerKind : uint8_t {
  kOfferFirst,
  kEveryStep,
  kLag,
  kAetSchedule,
  kDetsgrad,
  kFixedBudget
};
enum class CompressionKind : uint8_t { kDense, kTopK, kRandK };

const ClientPolicyInfo kTriggers[] = {
    {"offer-first", "offer the gradient's norm, send the Update only if accepted (CE-ASGD)",
     "(none)"},
    {"every-step", "send every minibatch gradient at once, no offer (vanilla ASGD)", "(none)"},
    {"lag",
     "LAG/SASG lazy rule: Skip when the gradient changed little against recent model "
     "movement, forced send after max_skips skips",
     "max_skips = 10 (D), c = 1, lr = 0.05, workers = 10 (M)"},
    {"aet-schedule", "AET-SGD: s_r = ceil(a*r + b) local SGD steps, then one LocalUpdate",
     "a = 10, b = 0, eta0 = 0.01, decay = 0.01, min_eta = 1e-7, max_steps = 100000"},
    {"detsgrad",
     "DETSGRAD baseline: local steps until ||x - x_sent||_1 >= alpha_t * v0, then "
     "a LocalUpdate",
     "alpha0 = 0.01, decay = 1e-5, v0 = 0 (0.2*d/workers), workers = 5, max_steps = 1000"},
    {"fixed-budget", "Shadowheart: sum of b_i gradients at one point, sent m_i times compressed",
     "batches = 1 (b_i), sends = 1 (m_i)"},
};

const ClientPolicyInfo kCompressions[] = {
    {"dense", "every value (4 d bytes)", "(none)"},
    {"topk", "per tensor the max(1, floor(h*n)) largest magnitudes with indices, error feedback",
     "fraction = 0.01 (h), error_feedback = 1"},
    {"randk", "k seeded random coordinates scaled by d/k (unbiased), indices not sent",
     "fraction = 0 or k = 0 (one of them; neither: fraction 0.01), seed = 1"},
};

template <size_t N>
void known_names(const ClientPolicyInfo (&infos)[N], char* out, size_t capacity) {
  size_t used = 0;
  out[0] = '\0';
  for (size_t i = 0; i < N; ++i) {
    const int n =
        std::snprintf(out + used, capacity - used, "%s%s", i == 0 ? "" : ", ", infos[i].name);
    if (n < 0 || static_cast<size_t>(n) >= capacity - used) return;
    used += static_cast<size_t>(n);
  }
}

// Every policy's settings, parsed and range-checked.
struct Parsed {
  TriggerKind trigger = TriggerKind::kOfferFirst;
  CompressionKind compression = CompressionKind::kDense;
  LagParams lag;
  AetScheduleParams aet;
  DetsgradParams detsgrad;
  FixedBudgetParams budget;
  double topk_fraction = 0.01;
  bool error_feedback = true;
  uint32_t randk_k = 0;
  uint64_t randk_seed = 1;
  uint32_t dim = 0;
  uint32_t tensors[4] = {};
  size_t tensor_count = 0;
  ClientPolicyNeeds needs;
};

Status parse_trigger(const char* name, ParamReader& r, Parsed* p) {
  const uint32_t d = p->dim;
  if (std::strcmp(name, "offer-first") == 0) {
    p->trigger = TriggerKind::kOfferFirst;
  } else if (std::strcmp(name, "every-step") == 0) {
    p->trigger = TriggerKind::kEveryStep;
    p->needs.offers = false;
  } else if (std::strcmp(name, "lag") == 0) {
    p->trigger = TriggerKind::kLag;
    p->needs.offers = false;
    FG_TRY(r.count("max_skips", 10, 1, LagTrigger::kMaxHistory, &p->lag.max_skips));
    FG_TRY(r.number_above("c", 1, 0, 1e9, &p->lag.c));
    FG_TRY(r.number_above("lr", 0.05, 0, 1e6, &p->lag.lr));
    FG_TRY(r.count("workers", 10, 1, 1000000, &p->lag.workers));
    p->needs.state_floats += LagTrigger::state_floats(d);
  } else if (std::strcmp(name, "aet-schedule") == 0) {
    p->trigger = TriggerKind::kAetSchedule;
    p->needs.offers = false;
    p->needs.kind = wire::UpdateKind::LocalUpdate;
    FG_TRY(r.number("a", 10, 0, 1e6, &p->aet.a));
    FG_TRY(r.number("b", 0, 0, 1e6, &p->aet.b));
    FG_TRY(r.number_above("eta0", 0.01, 0, 1e3, &p->aet.eta0));
    FG_TRY(r.number("decay", 0.01, 0, 1e6, &p->aet.decay));
    FG_TRY(r.number("min_eta", 1e-7, 0, 1e3, &p->aet.min_eta));
    FG_TRY(r.count("max_steps", 100000, 1, 10000000, &p->aet.max_steps));
    p->needs.state_floats += AetSchedule::state_floats(d);
  } else if (std::strcmp(name, "detsgrad") == 0) {
    p->trigger = TriggerKind::kDetsgrad;
    p->needs.offers = false;
    p->needs.kind = wire::UpdateKind::LocalUpdate;
    FG_TRY(r.number_above("alpha0", 0.01, 0, 1e3, &p->detsgrad.alpha0));
    FG_TRY(r.number("decay", 1e-5, 0, 1e6, &p->detsgrad.decay));
    FG_TRY(r.number("v0", 0, 0, 1e15, &p->detsgrad.v0));
    FG_TRY(r.count("workers", 5, 1, 1000000, &p->detsgrad.workers));
    FG_TRY(r.count("max_steps", 1000, 1, 10000000, &p->detsgrad.max_steps));
    p->needs.state_floats += DetsgradTrigger::state_floats(d);
  } else if (std::strcmp(name, "fixed-budget") == 0) {
    p->trigger = TriggerKind::kFixedBudget;
    p->needs.offers = false;
    p->needs.kind = wire::UpdateKind::SummedGradient;
    FG_TRY(r.count("batches", 1, 1, 1000000, &p->budget.batches));
    FG_TRY(r.count("sends", 1, 1, 1000000, &p->budget.sends));
    p->needs.state_floats += FixedBudget::state_floats(d);
  } else {
    char known[200];
    known_names(kTriggers, known, sizeof(known));
    return Status::error(StatusCode::kNotFound, "unknown trigger policy '%s' (known: %s)", name,
                         known);
  }
  return r.check_all_used();
}

Status parse_compression(const char* name, ParamReader& r, Parsed* p) {
  const uint32_t d = p->dim;
  if (std::strcmp(name, "dense") == 0) {
    p->compression = CompressionKind::kDense;
    p->needs.codec = wire::Codec::Dense;
    p->needs.max_payload_bytes = size_t{d} * sizeof(float);
  } else if (std::strcmp(name, "topk") == 0) {
    p->compression = CompressionKind::kTopK;
    p->needs.codec = wire::Codec::TopK;
    uint32_t feedback = 1;
    FG_TRY(r.number_above("fraction", 0.01, 0, 1, &p->topk_fraction));
    FG_TRY(r.count("error_feedback", 1, 0, 1, &feedback));
    p->error_feedback = feedback != 0;
    const uint32_t k = TopKCompressor::total_k(Span<const uint32_t>(p->tensors, p->tensor_count),
                                               p->topk_fraction);
    p->needs.k = k;
    p->needs.state_floats += k + (p->error_feedback ? size_t{2} * d : 0);
    p->needs.state_indices += k;
    p->needs.max_payload_bytes = size_t{k} * 8;
  } else if (std::strcmp(name, "randk") == 0) {
    p->compression = CompressionKind::kRandK;
    p->needs.codec = wire::Codec::RandK;
    double fraction = 0, seed = 1;
    FG_TRY(r.number("fraction", 0, 0, 1, &fraction));
    uint32_t k = 0;
    FG_TRY(r.count("k", 0, 0, 0xFFFFFFFFu, &k));
    if (k > d) {
      return Status::error(StatusCode::kOutOfRange,
                           "[compression.randk] k = %u exceeds the model dimension d = %u",
                           static_cast<unsigned>(k), static_cast<unsigned>(d));
    }
    if (k > 0 && fraction > 0) {
      return Status::error(StatusCode::kInvalidArgument,
                           "[compression.randk] set either k or fraction, not both");
    }
    if (k == 0 && fraction == 0) fraction = 0.01;
    if (k == 0) {
      const double from_fraction = fraction * d;
      k = from_fraction < 1 ? 1 : static_cast<uint32_t>(from_fraction);
    }
    FG_TRY(r.number("seed", 1, 0, 4294967295.0, &seed));
    p->randk_k = k;
    p->randk_seed = static_cast<uint64_t>(seed);
    p->needs.k = k;
    p->needs.state_floats += k;
    p->needs.max_payload_bytes = size_t{k} * sizeof(float);
  } else {
    char known[200];
    known_names(kCompressions, known, sizeof(known));
    return Status::error(StatusCode::kNotFound, "unknown compression policy '%s' (known: %s)", name,
                         known);
  }
  return r.check_all_used();
}

Status parse(const ClientPolicySpec& spec, const TrainingSetup& setup, Parsed* p) {
  if (setup.model_dim == 0) {
    return Status::error(StatusCode::kInvalidArgument, "model dimension is 0");
  }
  p->dim = setup.model_dim;
  p->tensor_count = model_tensor_sizes(setup.model_kind, setup.num_features, setup.num_classes,
                                       setup.hidden_units, p->tensors);
  uint64_t sum = 0;
  for (size_t i = 0; i < p->tensor_count; ++i) sum += p->tensors[i];
  if (sum != setup.model_dim) {  // unknown layout: one tensor
    p->tensor_count = 1;
    p->tensors[0] = setup.model_dim;
  }
  const char* trigger =
      spec.trigger != nullptr && spec.trigger[0] != '\0' ? spec.trigger : kDefaultTrigger;
  const char* compression = spec.compression != nullptr && spec.compression[0] != '\0'
                                ? spec.compression
                                : kDefaultCompression;
  ParamReader trigger_params(spec.params, "trigger", trigger);
  FG_TRY(parse_trigger(trigger, trigger_params, p));
  ParamReader compression_params(spec.params, "compression", compression);
  return parse_compression(compression, compression_params, p);
}

}  // namespace

Result<ClientPolicyNeeds> check_client_policies(const ClientPolicySpec& spec,
                                                const TrainingSetup& setup) {
  Parsed parsed;
  FG_TRY(parse(spec, setup, &parsed));
  return parsed.needs;
}

Span<const ClientPolicyInfo> trigger_policy_infos() {
  return Span<const ClientPolicyInfo>(kTriggers, sizeof(kTriggers) / sizeof(kTriggers[0]));
}

Span<const ClientPolicyInfo> compression_policy_infos() {
  return Span<const ClientPolicyInfo>(kCompressions,
                                      sizeof(kCompressions) / sizeof(kCompressions[0]));
}

void ClientPolicies::destroy() {
  if (feedback_ != nullptr) feedback_->~ErrorFeedback();
  if (inner_ != nullptr) inner_->~Compressor();
  if (trigger_ != nullptr) trigger_->~Trigger();
  feedback_ = nullptr;
  inner_ = nullptr;
  compressor_ = nullptr;
  trigger_ = nullptr;
}

Status ClientPolicies::configure(const ClientPolicySpec& spec, const TrainingSetup& setup,
                                 Span<float> floats, Span<uint32_t> indices, uint64_t seed) {
  destroy();
  Parsed p;
  FG_TRY(parse(spec, setup, &p));
  if (floats.size() < p.needs.state_floats || indices.size() < p.needs.state_indices) {
    return Status::error(StatusCode::kResourceExhausted,
                         "trigger and compression need %zu floats and %zu indices of state, "
                         "this client has %zu and %zu",
                         p.needs.state_floats, p.needs.state_indices, floats.size(),
                         indices.size());
  }
  const uint32_t d = p.dim;
  // Carve the state: trigger first, then compression.
  size_t at = 0;
  auto take = [&](size_t n) {
    Span<float> part = floats.subspan(at, n);
    at += n;
    return part;
  };
  void* t = trigger_storage_;
  switch (p.trigger) {
    case TriggerKind::kOfferFirst:
      trigger_ = new (t) OfferFirst();
      break;
    case TriggerKind::kEveryStep:
      trigger_ = new (t) EveryStep();
      break;
    case TriggerKind::kLag:
      trigger_ = new (t) LagTrigger(p.lag, d, take(LagTrigger::state_floats(d)));
      break;
    case TriggerKind::kAetSchedule:
      trigger_ = new (t) AetSchedule(p.aet, d, take(AetSchedule::state_floats(d)));
      break;
    case TriggerKind::kDetsgrad:
      trigger_ = new (t) DetsgradTrigger(p.detsgrad, d, take(DetsgradTrigger::state_floats(d)));
      break;
    case TriggerKind::kFixedBudget:
      trigger_ = new (t) FixedBudget(p.budget, d, take(FixedBudget::state_floats(d)));
      break;
  }
  void* c = compressor_storage_;
  switch (p.compression) {
    case CompressionKind::kDense:
      inner_ = new (c) DenseCompressor(d);
      break;
    case CompressionKind::kTopK:
      inner_ =
          new (c) TopKCompressor(d, Span<const uint32_t>(p.tensors, p.tensor_count),
                                 p.topk_fraction, take(p.needs.k), indices.subspan(0, p.needs.k));
      break;
    case CompressionKind::kRandK:
      inner_ = new (c) RandKCompressor(d, p.randk_k, p.randk_seed ^ (seed << 1), take(p.randk_k));
      break;
  }
  compressor_ = inner_;
  if (p.compression == CompressionKind::kTopK && p.error_feedback) {
    Span<float> residual = take(d);
    Span<float> scratch = take(d);
    feedback_ = new (feedback_storage_) ErrorFeedback(*inner_, residual, scratch);
    compressor_ = feedback_;
  }
  needs_ = p.needs;
  return Status::ok();
}

}  // namespace fedgate
