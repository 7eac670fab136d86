// The few STM32F4 / Cortex-M4 registers this firmware touches (RM0090, RM0390,
// ARMv7-M ARM). Addresses are the same on the F405 and the F446.
#pragma once

#include <cstdint>

namespace fedgate::stm32 {

inline volatile uint32_t& reg(uintptr_t address) {
  return *reinterpret_cast<volatile uint32_t*>(address);
}

// System control block, SysTick, NVIC, DWT.
constexpr uintptr_t kScbCpacr = 0xE000ED88;
constexpr uintptr_t kScbAircr = 0xE000ED0C;
constexpr uintptr_t kScbCfsr = 0xE000ED28;
constexpr uintptr_t kScbHfsr = 0xE000ED2C;
constexpr uintptr_t kScbMmfar = 0xE000ED34;
constexpr uintptr_t kScbBfar = 0xE000ED38;
constexpr uintptr_t kSysTickCtrl = 0xE000E010;
constexpr uintptr_t kSysTickLoad = 0xE000E014;
constexpr uintptr_t kSysTickVal = 0xE000E018;
constexpr uintptr_t kNvicIser0 = 0xE000E100;

// RCC.
constexpr uintptr_t kRccCr = 0x40023800;
constexpr uintptr_t kRccPllCfgr = 0x40023804;
constexpr uintptr_t kRccCfgr = 0x40023808;
constexpr uintptr_t kRccAhb1Enr = 0x40023830;
constexpr uintptr_t kRccApb1Enr = 0x40023840;
constexpr uintptr_t kRccApb2Enr = 0x40023844;
constexpr uintptr_t kFlashAcr = 0x40023C00;
constexpr uintptr_t kPwrCr = 0x40007000;

// GPIOA (USART1 on PA9/PA10, USART2 on PA2/PA3, alternate function 7).
constexpr uintptr_t kGpioaModer = 0x40020000;
constexpr uintptr_t kGpioaAfrl = 0x40020020;
constexpr uintptr_t kGpioaAfrh = 0x40020024;

// USARTs: status, data, baud rate, control 1.
constexpr uintptr_t kUsart1 = 0x40011000;
constexpr uintptr_t kUsart2 = 0x40004400;
constexpr uintptr_t kUsartSr = 0x00;
constexpr uintptr_t kUsartDr = 0x04;
constexpr uintptr_t kUsartBrr = 0x08;
constexpr uintptr_t kUsartCr1 = 0x0C;
constexpr uint32_t kUsartSrRxne = 1u << 5;
constexpr uint32_t kUsartSrTxe = 1u << 7;
constexpr uint32_t kUsartSrOre = 1u << 3;
constexpr uint32_t kUsartCr1Ue = 1u << 13;
constexpr uint32_t kUsartCr1Te = 1u << 3;
constexpr uint32_t kUsartCr1Re = 1u << 2;
constexpr uint32_t kUsartCr1Rxneie = 1u << 5;
constexpr uint32_t kUsart1Irq = 37;

}  // namespace fedgate::stm32
