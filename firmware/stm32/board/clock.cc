#include "firmware/stm32/board/clock.h"

#include "firmware/stm32/board/board.h"
#include "firmware/stm32/board/registers.h"

namespace fedgate::stm32 {
namespace {

// A few milliseconds at any clock this code runs at: far longer than a ready bit takes.
constexpr uint32_t kReadyPolls = 200000;

bool wait_for(uintptr_t address, uint32_t mask, uint32_t value) {
  for (uint32_t i = 0; i < kReadyPolls; ++i) {
    if ((reg(address) & mask) == value) return true;
  }
  return false;
}

uint32_t apb_divider_bits(uint32_t divider) {
  switch (divider) {
    case 2: return 0b100;
    case 4: return 0b101;
    case 8: return 0b110;
    case 16: return 0b111;
    default: return 0;
  }
}

volatile uint32_t g_millis = 0;
uint32_t g_ticks_per_ms = 1;

}  // namespace

ClockResult clock_init() {
  const BoardClock& c = kBoardClock;
  ClockResult result = {16000000, 16000000, 16000000, "hsi (pll not ready)"};
  if (reg(kRccCr) == 0 && reg(kRccCfgr) == 0) {
    result = {c.sysclk_hz, c.sysclk_hz / c.apb1_divider, c.sysclk_hz / c.apb2_divider, "emulated"};
    return result;
  }
  reg(kRccCr) |= 1u << 0;  // HSION
  if (!wait_for(kRccCr, 1u << 1, 1u << 1)) return result;
  reg(kRccApb1Enr) |= 1u << 28;  // PWREN
  reg(kRccCr) &= ~(1u << 24);    // PLL off before configuring it
  if (!wait_for(kRccCr, 1u << 25, 0)) return result;
#if defined(FEDGATE_BOARD_NUCLEO_F446RE)
  // The F446 resets to voltage scale 3 (120 MHz at most); 168 MHz needs scale 1. The F405
  // resets to scale 1.
  reg(kPwrCr) |= 0x3u << 14;
#endif
  reg(kRccPllCfgr) = c.pll_m | (c.pll_n << 6) | (((c.pll_p / 2) - 1) << 16) | (0u << 22) |
                     (7u << 24);  // source HSI, Q = 7
  reg(kRccCr) |= 1u << 24;
  if (!wait_for(kRccCr, 1u << 25, 1u << 25)) return result;
  // Wait states before the faster clock, prefetch and caches on.
  reg(kFlashAcr) = c.flash_wait_states | (1u << 8) | (1u << 9) | (1u << 10);
  if (!wait_for(kFlashAcr, 0xF, c.flash_wait_states)) return result;
  reg(kRccCfgr) = (reg(kRccCfgr) & ~((0x7u << 10) | (0x7u << 13) | 0xF0u)) |
                  (apb_divider_bits(c.apb1_divider) << 10) |
                  (apb_divider_bits(c.apb2_divider) << 13);
  reg(kRccCfgr) = (reg(kRccCfgr) & ~0x3u) | 0x2u;  // SW = PLL
  if (!wait_for(kRccCfgr, 0xCu, 0x8u)) {
    reg(kRccCfgr) &= ~0x3u;  // back to HSI
    return result;
  }
  result = {c.sysclk_hz, c.sysclk_hz / c.apb1_divider, c.sysclk_hz / c.apb2_divider, "pll"};
  return result;
}

void systick_init(uint32_t sysclk_hz) {
  g_ticks_per_ms = sysclk_hz / 1000;
  reg(kSysTickLoad) = g_ticks_per_ms - 1;
  reg(kSysTickVal) = 0;
  reg(kSysTickCtrl) = 0b111;  // core clock, interrupt, enable
}

uint32_t millis() { return g_millis; }

uint64_t micros() {
  uint32_t ms, val;
  do {
    ms = g_millis;
    val = reg(kSysTickVal);
  } while (ms != g_millis);
  const uint32_t elapsed_ticks = g_ticks_per_ms - 1 - val;
  return uint64_t{ms} * 1000 + uint64_t{elapsed_ticks} * 1000 / g_ticks_per_ms;
}

}  // namespace fedgate::stm32

extern "C" void SysTick_Handler() { ++fedgate::stm32::g_millis; }
