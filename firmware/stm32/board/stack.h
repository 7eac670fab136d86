// Stack high-water mark: the stack is painted with a pattern at reset; the
// untouched depth left at its bottom is how close the firmware came to overflow.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fedgate::stm32 {

// Fills the stack below the current stack pointer with the pattern (called by Reset_Handler).
void paint_stack();
// Bytes at the bottom of the stack never written since paint_stack().
size_t stack_untouched_bytes();
// Size of the stack region (top of RAM down to the end of .bss).
size_t stack_size_bytes();

}  // namespace fedgate::stm32
