// ProgressPrinter: one human-readable line per evaluation, and the run summary.
#pragma once

#include <cstddef>
#include <cstdio>
#include <limits>
#include <string>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"

namespace fedgate {

struct ProgressStyle {
  // Names the clock in the summary line of a large fleet: "virtual " in the simulator.
  const char* clock = "";
  // Above this many clients one summary line replaces the per-client table.
  size_t client_table_limit = std::numeric_limits<size_t>::max();
};

class ProgressPrinter : public RunObserver {
 public:
  explicit ProgressPrinter(std::FILE* out, ProgressStyle style = {}) : out_(out), style_(style) {}
  void on_eval(const EvalPoint& point, const Metrics& metrics,
               const ClientRegistry& clients) override;
  void on_stop(const char* reason, const EvalPoint& last, const Metrics& metrics,
               const ClientRegistry& clients) override;

 private:
  std::FILE* out_;
  ProgressStyle style_;
};

// What a run trains and with which policies, printed when it starts.
void print_run_description(std::FILE* out, const Coordinator& coordinator,
                           const CoordinatorConfig& config, size_t test_samples);

}  // namespace fedgate
