// ProgressPrinter: one human-readable line per evaluation, and the run summary.
#pragma once

#include <cstdio>

#include "coordinator/coordinator.h"

namespace fedgate {

class ProgressPrinter : public RunObserver {
 public:
  explicit ProgressPrinter(std::FILE* out) : out_(out) {}
  void on_eval(const EvalPoint& point, const Metrics& metrics,
               const ClientRegistry& clients) override;
  void on_stop(const char* reason, const EvalPoint& last, const Metrics& metrics,
               const ClientRegistry& clients) override;

 private:
  std::FILE* out_;
};

}  // namespace fedgate
