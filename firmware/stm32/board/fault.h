// Fault reporting: what went wrong, printed on the console before a reset.
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

// Prints "FAULT <what> pc=... lr=... cfsr=... hfsr=..." on the console (polled, so it works
// with interrupts off), then resets the chip: a fault never hangs the board.
[[noreturn]] void report_fault(const char* what, const uint32_t* frame);

}  // namespace fedgate::stm32
