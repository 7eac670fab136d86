// libFuzzer target: arbitrary bytes from arbitrary clients into a live
// Coordinator. Each input is split into messages at "\xFF\xFE" markers; the
// first byte of each message picks one of four client ids. The coordinator
// must never crash, never let a NaN into the model, and never make a version
// without a commit, nor commit before an Update was taken. The first byte also
// picks the aggregation policy and the input's size the client policies
// (offer-first/dense, every-step/top-k, every-step/rand-k, lag/dense), so every
// aggregation, the sparse decoder and the flows without an Offer see the same traffic.
//   cmake --preset fuzz && cmake --build --preset fuzz --target coordinator_fuzzer
//   build/fuzz/tests/fuzz/coordinator_fuzzer tests/fuzz/corpus -max_total_time=60
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/coordinator.h"
#include "coordinator/policy_registry.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "core/protocol/aligned_message.h"

namespace {

class NullOutbox : public fedgate::ServerOutbox {
 public:
  void send(const std::string&, fedgate::Span<const uint8_t>) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fedgate;
  CoordinatorSettings settings;
  settings.model.kind = ModelKind::kSoftmax;
  settings.model.num_features = 4;
  settings.model.num_classes = 3;
  settings.chunk_floats = 4;
  settings.eval_every = 0;
  switch (size % 4) {
    case 1:
      settings.client_policies.trigger = "every-step";
      settings.client_policies.compression = "topk";
      settings.client_policies.compression_params = {{"fraction", 0.2}};
      break;
    case 2:
      settings.client_policies.trigger = "every-step";
      settings.client_policies.compression = "randk";
      settings.client_policies.compression_params = {{"k", 3}};
      break;
    case 3: settings.client_policies.trigger = "lag"; break;
    default: break;
  }
  GlobalModel model(std::vector<float>(15, 0.5f));
  static const char* const kAggregations[] = {"apply-on-arrival", "random-dispatch", "stale-sum",
                                              "round-buffer",     "sync-minibatch",  "add-update"};
  const char* aggregation = kAggregations[size > 0 ? data[0] % 6 : 0];
  ServerPolicies policies;
  policies.acceptance = std::make_unique<NormRatioExact>(1.0, 4, model);
  policies.stepsize = std::make_unique<ConstantStepsize>(0.1);
  policies.aggregation =
      std::move(make_aggregation_policy(aggregation, PolicyParams(), model, 1)).value();
  ManualClock clock;
  NullOutbox outbox;
  Coordinator coordinator(settings, std::move(model), std::move(policies), nullptr, clock, outbox);
  coordinator.start();

  const char* const ids[] = {"a", "b", "c", "d"};
  AlignedMessage aligned;
  size_t begin = 0;
  while (begin < size) {
    size_t end = begin;
    while (end + 1 < size && !(data[end] == 0xFF && data[end + 1] == 0xFE)) ++end;
    if (end + 1 >= size) end = size;
    if (end > begin) {
      const std::string id = ids[data[begin] % 4];
      coordinator.handle(id, aligned.view(data + begin + 1, end - begin - 1));
      clock.advance_us(1000);
    }
    begin = end + 2;
  }
  for (float x : coordinator.model().params()) {
    if (!std::isfinite(x)) std::abort();
  }
  // Every version is a commit, and no commit happens before some Update was
  // taken (stale-sum rounds of Skips re-apply earlier updates, so commits may
  // outnumber updates).
  const Metrics& metrics = coordinator.metrics();
  if (coordinator.model().version() != metrics.commits) std::abort();
  if (metrics.updates == 0 && metrics.commits != 0) std::abort();
  return 0;
}
