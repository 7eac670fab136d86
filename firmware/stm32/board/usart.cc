#include "firmware/stm32/board/usart.h"

#include "firmware/stm32/board/registers.h"

namespace fedgate::stm32 {

void Usart::init(uint32_t pclk_hz, uint32_t baud, bool receive) {
  reg(kRccAhb1Enr) |= 1u << 0;  // GPIOA
  if (base_ == kUsart1) {
    reg(kRccApb2Enr) |= 1u << 4;
    // PA9 (TX), PA10 (RX): alternate function 7.
    reg(kGpioaModer) = (reg(kGpioaModer) & ~(0xFu << 18)) | (0xAu << 18);
    reg(kGpioaAfrh) = (reg(kGpioaAfrh) & ~(0xFFu << 4)) | (0x77u << 4);
  } else {
    reg(kRccApb1Enr) |= 1u << 17;
    // PA2 (TX), PA3 (RX): alternate function 7.
    reg(kGpioaModer) = (reg(kGpioaModer) & ~(0xFu << 4)) | (0xAu << 4);
    reg(kGpioaAfrl) = (reg(kGpioaAfrl) & ~(0xFFu << 8)) | (0x77u << 8);
  }
  reg(base_ + kUsartBrr) = (pclk_hz + baud / 2) / baud;  // 16x oversampling
  uint32_t cr1 = kUsartCr1Ue | kUsartCr1Te;
  if (receive) cr1 |= kUsartCr1Re | kUsartCr1Rxneie;
  reg(base_ + kUsartCr1) = cr1;
  if (receive && base_ == kUsart1) {
    reg(kNvicIser0 + 4 * (kUsart1Irq / 32)) = 1u << (kUsart1Irq % 32);
  }
}

void Usart::write(Span<const uint8_t> bytes) {
  for (uint8_t byte : bytes) {
    while ((reg(base_ + kUsartSr) & kUsartSrTxe) == 0) {
    }
    reg(base_ + kUsartDr) = byte;
  }
}

void Usart::write(const char* text) {
  size_t n = 0;
  while (text[n] != '\0') ++n;
  write(Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text), n));
}

size_t Usart::read(Span<uint8_t> out) {
  const uint32_t mask = static_cast<uint32_t>(ring_.size() - 1);
  size_t n = 0;
  uint32_t tail = tail_;
  const uint32_t head = head_;
  while (n < out.size() && tail != head) {
    out[n++] = ring_[tail & mask];
    ++tail;
  }
  tail_ = tail;
  return n;
}

void Usart::on_interrupt() {
  const uint32_t sr = reg(base_ + kUsartSr);
  if ((sr & (kUsartSrRxne | kUsartSrOre)) == 0) return;
  if (sr & kUsartSrOre) overruns_ = overruns_ + 1;
  const uint8_t byte = static_cast<uint8_t>(reg(base_ + kUsartDr));  // also clears ORE
  const uint32_t head = head_;
  const uint32_t used = head - tail_;
  if (used >= ring_.size()) {
    dropped_ = dropped_ + 1;
    return;
  }
  ring_[head & (ring_.size() - 1)] = byte;
  head_ = head + 1;
  if (used + 1 > high_water_) high_water_ = used + 1;
}

}  // namespace fedgate::stm32
