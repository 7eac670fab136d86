// "Learning happened": the checks every multi-process test (loopback
// federation, ARM clients and STM32 firmware under QEMU) makes of a
// coordinator's metrics file, with one set of thresholds.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/integration/process.h"

namespace fedgate::testing {

// Below this the model has not learned yet: Fashion-MNIST has ten classes, so
// chance is 0.1 and an untrained model sits near it.
constexpr double kChanceCeiling = 0.2;

inline double first_accuracy(const RunMetrics& run) {
  return run.evals.empty() ? 0 : json_number(run.evals.front(), "accuracy");
}

// The summary's accuracy: the model the run ended with.
inline double final_accuracy(const RunMetrics& run) {
  return run.summaries.empty() ? 0 : json_number(run.summaries.back(), "accuracy");
}

// The best of every evaluation and the summary: early SGD steps make test
// accuracy jump around, so short runs are judged by it.
inline double best_accuracy(const RunMetrics& run) {
  double best = 0;
  for (const std::string& eval : run.evals) best = std::max(best, json_number(eval, "accuracy"));
  for (const std::string& summary : run.summaries) {
    best = std::max(best, json_number(summary, "accuracy"));
  }
  return best;
}

// Accuracy rose from chance (the first evaluation) to past `floor` (the summary).
inline void expect_learned(const RunMetrics& run, double floor) {
  EXPECT_LT(first_accuracy(run), kChanceCeiling) << run.text;
  EXPECT_GT(final_accuracy(run), floor) << run.text;
}

// A clean end: `updates` applied, no Error replies, and each of `clients`
// registered exactly once (nobody lost track of the coordinator).
inline void expect_clean_summary(const std::string& summary, double updates, double clients) {
  EXPECT_EQ(json_number(summary, "updates"), updates) << summary;
  EXPECT_EQ(json_number(summary, "errors"), 0) << summary;
  EXPECT_EQ(json_number(summary, "hellos"), clients) << summary;
}

}  // namespace fedgate::testing
