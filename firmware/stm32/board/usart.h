// USART driver: blocking transmit, interrupt-driven receive into a ring buffer.
//
// The receive interrupt moves each byte into a single-producer/single-consumer
// ring; the main loop drains it with read(). A full ring drops the byte and
// counts it (the ZMTP layer then resynchronises), it never overwrites unread data.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/base/span.h"

namespace fedgate::stm32 {

class Usart {
 public:
  // base: kUsart1 or kUsart2; ring: caller-owned, a power of two in size.
  Usart(uintptr_t base, Span<uint8_t> ring) : base_(base), ring_(ring) {}

  // Pins, clock, baud rate; receive interrupt on when `receive` is set.
  void init(uint32_t pclk_hz, uint32_t baud, bool receive);
  void write(Span<const uint8_t> bytes);
  void write(const char* text);
  // Copies up to out.size() received bytes; returns how many.
  size_t read(Span<uint8_t> out);
  bool has_data() const { return head_ != tail_; }

  // Called from the USART's interrupt handler.
  void on_interrupt();

  uint32_t dropped() const { return dropped_; }
  uint32_t overruns() const { return overruns_; }
  size_t ring_high_water() const { return high_water_; }

 private:
  uintptr_t base_;
  Span<uint8_t> ring_;
  volatile uint32_t head_ = 0;  // written by the interrupt
  volatile uint32_t tail_ = 0;  // written by the main loop
  volatile uint32_t dropped_ = 0;
  volatile uint32_t overruns_ = 0;
  size_t high_water_ = 0;
};

}  // namespace fedgate::stm32
