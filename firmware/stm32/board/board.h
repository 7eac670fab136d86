// What differs between the supported boards, chosen at build time by
// FEDGATE_BOARD_NETDUINOPLUS2 or FEDGATE_BOARD_NUCLEO_F446RE (firmware/stm32/CMakeLists.txt).
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

struct BoardClock {
  // PLL from HSI (16 MHz): VCO = 16 / M * N, SYSCLK = VCO / P.
  uint32_t pll_m;
  uint32_t pll_n;
  uint32_t pll_p;  // 2, 4, 6 or 8
  uint32_t sysclk_hz;
  uint32_t flash_wait_states;
  uint32_t apb1_divider;  // 1, 2, 4, 8 or 16
  uint32_t apb2_divider;
};

#if defined(FEDGATE_BOARD_NUCLEO_F446RE)
constexpr const char* kBoardName = "nucleo-f446re";
// 168 MHz (the F446 goes to 180, but 168 keeps one PLL setting for both parts).
constexpr BoardClock kBoardClock = {16, 336, 2, 168000000, 5, 4, 2};
#else
constexpr const char* kBoardName = "netduinoplus2";
constexpr BoardClock kBoardClock = {16, 336, 2, 168000000, 5, 4, 2};
#endif

// The link to the gateway (USART1, PA9 TX / PA10 RX) and the log console (USART2, PA2 TX;
// on the NUCLEO its ST-LINK virtual COM port).
#ifndef FEDGATE_STM32_LINK_BAUD
#define FEDGATE_STM32_LINK_BAUD 115200
#endif
constexpr uint32_t kLinkBaud = FEDGATE_STM32_LINK_BAUD;  // CMake: FEDGATE_STM32_LINK_BAUD
constexpr uint32_t kConsoleBaud = 115200;

}  // namespace fedgate::stm32
