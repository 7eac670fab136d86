// Acceptance: the cost of one decision per policy at d = 7,850, 100,000 and
// 1,000,000, against memcpy of the model's 4 d bytes. The simplified norm rule
// keeps prefix sums (O(1) per offer); the exact rule computes ||x_t - x_v|| from
// a stored snapshot once per offered version (O(d): BM_NormRatioExactDistance
// grows with d) and reuses it for further offers at that version until the
// next commit (BM_DecideNormRatioExact stays flat, like the other policies).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench/micro/against_memcpy.h"
#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/drop_if_stale.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/global_model.h"

namespace fedgate {
namespace {

constexpr uint32_t kWindow = 4;  // snapshots the exact rule keeps (16 MB at d = 10^6)

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = scale * (static_cast<float>(i % 101) - 50.0f);
  return values;
}

// Decides offers one version stale after a few applied steps.
void decide(benchmark::State& state, AcceptancePolicy& policy, GlobalModel& model) {
  const std::vector<float> gradient = ramp(model.dim(), 1e-6f);
  for (int i = 0; i < 3; ++i) {
    model.apply(gradient, 0.01);
    AppliedStep step;
    step.new_version = model.version();
    step.gamma = 0.01;
    step.grad_norm = 1.0;
    policy.on_applied(step, model);
  }
  OfferContext offer;
  offer.current_version = model.version();
  offer.offer_version = model.version() - 1;
  offer.grad_norm = 1.0;
  offer.active_clients = 10;
  offer.model = &model;
  bench::run_against_memcpy(state, model.dim() * sizeof(float),
                            [&] { benchmark::DoNotOptimize(policy.decide(offer)); });
}

void BM_DecideAcceptAll(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  AcceptAll policy;
  decide(state, policy, model);
}
BENCHMARK(BM_DecideAcceptAll)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

void BM_DecideDropIfStale(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  DropIfStale policy(4);
  decide(state, policy, model);
}
BENCHMARK(BM_DecideDropIfStale)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

void BM_DecideNormRatioSimplified(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  NormRatioSimplified policy(10.0, kWindow);
  decide(state, policy, model);
}
BENCHMARK(BM_DecideNormRatioSimplified)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

void BM_DecideNormRatioExact(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  NormRatioExact policy(10.0, kWindow, model);
  decide(state, policy, model);
}
BENCHMARK(BM_DecideNormRatioExact)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

// The first offer at a version: the O(d) distance itself.
void BM_NormRatioExactDistance(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  NormRatioExact policy(10.0, kWindow, model);
  const std::vector<float> gradient = ramp(model.dim(), 1e-6f);
  model.apply(gradient, 0.01);
  policy.on_applied(AppliedStep{}, model);
  bench::run_against_memcpy(state, model.dim() * sizeof(float), [&] {
    benchmark::DoNotOptimize(policy.distance(model.version() - 1, model));
  });
}
BENCHMARK(BM_NormRatioExactDistance)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

}  // namespace
}  // namespace fedgate

BENCHMARK_MAIN();
