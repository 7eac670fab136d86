#include "firmware/stm32/board/console.h"

#include <cstdarg>
#include <cstdio>

#include "firmware/stm32/board/registers.h"

namespace fedgate::stm32 {
namespace {

void put(char c) {
  while ((reg(kUsart2 + kUsartSr) & kUsartSrTxe) == 0) {
  }
  reg(kUsart2 + kUsartDr) = static_cast<uint8_t>(c);
}

}  // namespace

void console_init(uint32_t pclk_hz, uint32_t baud) {
  reg(kRccAhb1Enr) |= 1u << 0;
  reg(kRccApb1Enr) |= 1u << 17;
  reg(kGpioaModer) = (reg(kGpioaModer) & ~(0xFu << 4)) | (0xAu << 4);
  reg(kGpioaAfrl) = (reg(kGpioaAfrl) & ~(0xFFu << 8)) | (0x77u << 8);
  reg(kUsart2 + kUsartBrr) = (pclk_hz + baud / 2) / baud;
  reg(kUsart2 + kUsartCr1) = kUsartCr1Ue | kUsartCr1Te;
}

void console_write(const char* text) {
  for (; *text != '\0'; ++text) {
    if (*text == '\n') put('\r');
    put(*text);
  }
}

void console_printf(const char* format, ...) {
  char line[192];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof(line), format, args);
  va_end(args);
  console_write(line);
}

const char* fixed(float value, int decimals) {
  static char buffers[4][24];
  static unsigned next = 0;
  char* out = buffers[next++ % 4];
  if (value != value) return "nan";
  const bool negative = value < 0;
  double v = negative ? -static_cast<double>(value) : static_cast<double>(value);
  unsigned long scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  if (v > 4e9 / static_cast<double>(scale)) return negative ? "-big" : "big";
  const unsigned long scaled = static_cast<unsigned long>(v * static_cast<double>(scale) + 0.5);
  if (decimals == 0) {
    std::snprintf(out, 24, "%s%lu", negative ? "-" : "", scaled);
  } else {
    std::snprintf(out, 24, "%s%lu.%0*lu", negative ? "-" : "", scaled / scale, decimals,
                  scaled % scale);
  }
  return out;
}

}  // namespace fedgate::stm32
