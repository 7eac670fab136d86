// Times an operation against its ceiling in the same run: memcpy of the bytes
// the operation is about, interleaved batch by batch so both see the same load
// and caches. Machines here are noisy; the ratio is the figure to quote
// (docs/performance.md).
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fedgate::bench {

// Calls of `call` that take at least `at_least` (and one call at least), so
// short calls are not lost in the clock's resolution; sets *took.
template <typename Call>
size_t calls_per_batch(Call&& call, std::chrono::nanoseconds at_least,
                       std::chrono::nanoseconds* took) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  size_t calls = 0;
  do {
    call();
    ++calls;
  } while (Clock::now() - start < at_least);
  *took = Clock::now() - start;
  return calls;
}

// Each iteration runs a batch of `op` calls, then a batch of memcpy of
// `ceiling_bytes`. Reported time is the operation's batch alone (manual time);
// counters per call:
//   op_ns      the operation
//   memcpy_ns  memcpy of ceiling_bytes
//   ratio      memcpy_ns / op_ns: the operation's speed as a share of memcpy's
template <typename Op>
void run_against_memcpy(benchmark::State& state, size_t ceiling_bytes, Op&& op) {
  using Clock = std::chrono::steady_clock;
  std::vector<uint8_t> source(ceiling_bytes, 1);
  std::vector<uint8_t> target(ceiling_bytes);
  auto copy = [&] {
    std::memcpy(target.data(), source.data(), ceiling_bytes);
    benchmark::DoNotOptimize(target.data());
    benchmark::ClobberMemory();
  };
  // Batches of about equal length, so neither side dominates the run time.
  std::chrono::nanoseconds copy_took{};
  std::chrono::nanoseconds op_took{};
  const size_t copy_batch = calls_per_batch(copy, std::chrono::microseconds(20), &copy_took);
  const size_t op_batch = calls_per_batch(op, copy_took, &op_took);
  double op_seconds = 0;
  double copy_seconds = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    for (size_t i = 0; i < op_batch; ++i) op();
    const auto middle = Clock::now();
    for (size_t i = 0; i < copy_batch; ++i) copy();
    const auto end = Clock::now();
    const double op_time = std::chrono::duration<double>(middle - start).count();
    op_seconds += op_time;
    copy_seconds += std::chrono::duration<double>(end - middle).count();
    state.SetIterationTime(op_time);
  }
  const double iterations = static_cast<double>(state.iterations());
  const double op_ns = 1e9 * op_seconds / (iterations * static_cast<double>(op_batch));
  const double copy_ns = 1e9 * copy_seconds / (iterations * static_cast<double>(copy_batch));
  state.counters["op_ns"] = op_ns;
  state.counters["memcpy_ns"] = copy_ns;
  state.counters["ratio"] = op_ns > 0 ? copy_ns / op_ns : 0;
  state.counters["bytes"] = static_cast<double>(ceiling_bytes);
}

}  // namespace fedgate::bench
