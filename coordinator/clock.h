// Clock: the coordinator's only source of time. The server loop reads the
// wall clock through SteadyClock; tests and the simulator drive ManualClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace fedgate {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_us() const = 0;
};

class SteadyClock : public Clock {
 public:
  int64_t now_us() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock : public Clock {
 public:
  int64_t now_us() const override { return now_us_; }
  void advance_us(int64_t delta) { now_us_ += delta; }
  void set_us(int64_t now) { now_us_ = now; }

 private:
  int64_t now_us_ = 0;
};

}  // namespace fedgate
