#include "firmware/stm32/board/semihosting.h"

#include <cstdint>

namespace fedgate::stm32 {

[[noreturn]] void semihosting_exit(int status) {
  // SYS_EXIT_EXTENDED (0x20): reason ADP_Stopped_ApplicationExit (0x20026) and the exit code.
  uint32_t block[2] = {0x20026, static_cast<uint32_t>(status)};
  register uint32_t r0 __asm("r0") = 0x20;
  register uint32_t* r1 __asm("r1") = block;
  __asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  for (;;) {
  }
}

}  // namespace fedgate::stm32
