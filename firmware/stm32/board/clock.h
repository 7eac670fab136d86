// Clock tree and time base: PLL setup with bounded waits, SysTick at 1 kHz.
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

struct ClockResult {
  uint32_t sysclk_hz;  // what the core runs at now
  uint32_t apb1_hz;
  uint32_t apb2_hz;
  const char* source;  // "pll", "hsi (pll not ready)", or "emulated"
};

// Switches SYSCLK to the board's PLL setting. Every wait for a ready bit is bounded: on a
// timeout the core stays on the 16 MHz HSI and says so. An RCC that reads as all zeros
// (impossible on silicon, where HSION is set at reset) is an emulator without a clock tree
// (QEMU): the board's nominal frequencies are reported, which is what QEMU's SysTick uses.
ClockResult clock_init();

// SysTick interrupt every millisecond from the core clock.
void systick_init(uint32_t sysclk_hz);
// Milliseconds since systick_init (wraps after 49 days).
uint32_t millis();
// Microseconds since systick_init, from the millisecond count and SysTick's current value.
uint64_t micros();

}  // namespace fedgate::stm32
