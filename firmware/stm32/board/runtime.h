// The C/C++ runtime pieces newlib and libstdc++ expect, without a heap.
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

// Times anything asked the C library for heap memory (_sbrk). The firmware links no
// allocator of its own and every such request fails; the summary reports this count,
// which the HIL test requires to be 0.
uint32_t heap_requests();

}  // namespace fedgate::stm32
