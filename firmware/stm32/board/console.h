// The log console: USART2, transmit only, polled (usable from fault handlers).
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

void console_init(uint32_t pclk_hz, uint32_t baud);
void console_write(const char* text);
// printf into a 192-byte line buffer (newlib-nano: no floats; see fixed()).
void console_printf(const char* format, ...) __attribute__((format(printf, 1, 2)));

// A float as text with `decimals` digits after the point, in a small rotating buffer
// (four at a time may be in one printf call).
const char* fixed(float value, int decimals);

}  // namespace fedgate::stm32
