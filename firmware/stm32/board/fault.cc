#include "firmware/stm32/board/fault.h"

#include "firmware/stm32/board/console.h"
#include "firmware/stm32/board/registers.h"

namespace fedgate::stm32 {

[[noreturn]] void report_fault(const char* what, const uint32_t* frame) {
  // frame: r0 r1 r2 r3 r12 lr pc xpsr, as the core stacked them.
  const uint32_t pc = frame != nullptr ? frame[6] : 0;
  const uint32_t lr = frame != nullptr ? frame[5] : 0;
  uint32_t ipsr;
  __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  console_printf(
      "FAULT %s exception=%lu pc=0x%08lx lr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx "
      "mmfar=0x%08lx bfar=0x%08lx; resetting\n",
      what, static_cast<unsigned long>(ipsr & 0x1FF), static_cast<unsigned long>(pc),
      static_cast<unsigned long>(lr), static_cast<unsigned long>(reg(kScbCfsr)),
      static_cast<unsigned long>(reg(kScbHfsr)), static_cast<unsigned long>(reg(kScbMmfar)),
      static_cast<unsigned long>(reg(kScbBfar)));
  reg(kScbAircr) = (0x5FAu << 16) | (1u << 2);  // SYSRESETREQ
  for (;;) {
  }
}

}  // namespace fedgate::stm32
