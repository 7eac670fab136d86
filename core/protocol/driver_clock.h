// DriverClock: the millisecond time a ClientDriver (and a transport's timers) read. Injected, so
// tests run the driver's silence and backoff logic in virtual time.
#pragma once

#include <cstdint>

namespace fedgate {

class DriverClock {
 public:
  // A free-running millisecond counter; it may wrap (every difference is taken modulo 2^32).
  virtual uint32_t now_ms() = 0;

 protected:
  // Not deleted through this interface: keeps `operator delete` out of bare-metal images.
  ~DriverClock() = default;
};

}  // namespace fedgate
