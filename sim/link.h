// Link: one direction of one client's connection. Messages leave in order: a
// message waits until the previous one has been transmitted, takes
// bytes / bandwidth to transmit, and arrives `latency` later. FIFO per
// direction, so a Model's chunks arrive in the order they were sent.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace fedgate {
namespace sim {

class Link {
 public:
  Link() = default;
  // mbit_s = 0: unlimited bandwidth (transmission takes no time).
  Link(double latency_ms, double mbit_s)
      : latency_us_(std::llround(latency_ms * 1000.0)),
        us_per_byte_(mbit_s > 0 ? 8.0 / mbit_s : 0.0) {}

  // The arrival time of `bytes` handed to the link at `ready_us`.
  int64_t transmit(int64_t ready_us, size_t bytes) {
    const int64_t start = std::max(ready_us, free_at_us_);
    const int64_t transmit_us = std::llround(static_cast<double>(bytes) * us_per_byte_);
    free_at_us_ = start + transmit_us;
    return free_at_us_ + latency_us_;
  }

 private:
  int64_t latency_us_ = 0;
  double us_per_byte_ = 0;  // 8 / (Mbit/s) microseconds per byte
  int64_t free_at_us_ = 0;
};

}  // namespace sim
}  // namespace fedgate
