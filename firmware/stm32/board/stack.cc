#include "firmware/stm32/board/stack.h"

extern "C" uint32_t __stack_limit, __stack_top;

namespace fedgate::stm32 {

constexpr uint32_t kPaint = 0xA5A5A5A5u;

// Inlined into Reset_Handler's frame would be fine too; a small margin below the
// live stack pointer keeps this function's own frame intact.
void paint_stack() {
  uint32_t sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  auto* end = reinterpret_cast<uint32_t*>(sp - 64);
  for (uint32_t* p = &__stack_limit; p < end; ++p) *p = kPaint;
}

size_t stack_untouched_bytes() {
  const uint32_t* p = &__stack_limit;
  while (p < &__stack_top && *p == kPaint) ++p;
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(p) -
                             reinterpret_cast<uintptr_t>(&__stack_limit));
}

size_t stack_size_bytes() {
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(&__stack_top) -
                             reinterpret_cast<uintptr_t>(&__stack_limit));
}

}  // namespace fedgate::stm32
