// Aggregation: one update applied to the model (the staleness policy's
// transform, the scaled add x <- x - gamma * theta * g, and the policy's
// bookkeeping after the commit) at d = 7,850, 100,000 and 1,000,000, against
// memcpy of the update's 4 d bytes. Issue 13's goal: ratio >= 0.5.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench/micro/against_memcpy.h"
#include "coordinator/global_model.h"
#include "coordinator/staleness/identity_staleness.h"
#include "coordinator/staleness/pc_asgd_staleness.h"

namespace fedgate {
namespace {

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = scale * (static_cast<float>(i % 101) - 50.0f);
  return values;
}

// `staleness` versions between the gradient's model and the current one.
void apply_update(benchmark::State& state, StalenessPolicy& policy, GlobalModel& model,
                  uint32_t staleness) {
  const size_t dim = model.dim();
  const std::vector<float> gradient = ramp(dim, 1e-6f);
  // Give the model the history a stale gradient is judged against.
  for (uint32_t i = 0; i < staleness; ++i) {
    model.apply(gradient, 0.01);
    policy.on_committed(model);
  }
  bench::run_against_memcpy(state, dim * sizeof(float), [&] {
    StalenessContext context;
    context.current_version = model.version();
    context.version = model.version() - staleness;
    context.model = &model;
    const Corrected corrected = policy.transform(context, gradient);
    model.apply(corrected.gradient, 0.01 * corrected.theta);
    policy.on_committed(model);
  });
}

void BM_ApplyIdentity(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  IdentityStaleness policy;
  apply_update(state, policy, model, 1);
}
BENCHMARK(BM_ApplyIdentity)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

// PC-ASGD's Taylor correction toward the current model, one version stale
// (adaptive off, so every update takes the full path; a small window keeps the
// d = 10^6 snapshots at 16 MB).
void BM_ApplyPcAsgd(benchmark::State& state) {
  GlobalModel model(ramp(static_cast<size_t>(state.range(0)), 1e-3f));
  PcAsgdSettings settings;
  settings.adaptive = false;
  settings.window = 4;
  PcAsgdStaleness policy(settings, model);
  apply_update(state, policy, model, 1);
}
BENCHMARK(BM_ApplyPcAsgd)->Arg(7850)->Arg(100000)->Arg(1000000)->UseManualTime();

}  // namespace
}  // namespace fedgate

BENCHMARK_MAIN();
