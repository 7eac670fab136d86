// Reset and vector table for the STM32F4: copies .data, zeroes .bss, paints the
// stack (for the high-water mark), enables the FPU before any float code,
// runs static constructors, then app_main(). Unused interrupts and faults go to
// fault handlers that report over the console and reset the chip.
#include <cstdint>

#include "firmware/stm32/board/fault.h"
#include "firmware/stm32/board/registers.h"
#include "firmware/stm32/board/stack.h"

extern "C" {
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern uint32_t __stack_limit, __stack_top;
extern void (*__preinit_array_start[])();
extern void (*__preinit_array_end[])();
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
// The application's entry point (main() may not be called in C++).
int app_main();

void Reset_Handler();
void NMI_Handler() __attribute__((weak, alias("Unused_Handler")));
void HardFault_Handler();
void MemManage_Handler() __attribute__((weak, alias("HardFault_Handler"), nothrow));
void BusFault_Handler() __attribute__((weak, alias("HardFault_Handler"), nothrow));
void UsageFault_Handler() __attribute__((weak, alias("HardFault_Handler"), nothrow));
void SVC_Handler() __attribute__((weak, alias("Unused_Handler")));
void DebugMon_Handler() __attribute__((weak, alias("Unused_Handler")));
void PendSV_Handler() __attribute__((weak, alias("Unused_Handler")));
void SysTick_Handler() __attribute__((weak, alias("Unused_Handler")));
void USART1_IRQHandler() __attribute__((weak, alias("Unused_Handler")));
void Unused_Handler();
}

namespace {

constexpr int kExternalInterrupts = 97;  // F446; the F405 has 82
using Handler = void (*)();

struct VectorTable {
  uint32_t* initial_sp;
  Handler system[15];
  Handler external[kExternalInterrupts];
};

constexpr VectorTable make_table() {
  VectorTable table = {&__stack_top, {}, {}};
  table.system[0] = Reset_Handler;
  table.system[1] = NMI_Handler;
  table.system[2] = HardFault_Handler;
  table.system[3] = MemManage_Handler;
  table.system[4] = BusFault_Handler;
  table.system[5] = UsageFault_Handler;
  table.system[10] = SVC_Handler;
  table.system[11] = DebugMon_Handler;
  table.system[13] = PendSV_Handler;
  table.system[14] = SysTick_Handler;
  for (Handler& h : table.external) h = Unused_Handler;
  table.external[fedgate::stm32::kUsart1Irq] = USART1_IRQHandler;
  return table;
}

}  // namespace

__attribute__((section(".isr_vector"), used)) const VectorTable g_vector_table = make_table();

extern "C" __attribute__((noreturn)) void Reset_Handler() {
  using fedgate::stm32::reg;
  // FPU first: CP10 and CP11 full access (the compiler may use FP registers anywhere).
  reg(fedgate::stm32::kScbCpacr) |= 0xFu << 20;
  __asm volatile("dsb\n isb");
  uint32_t* src = &__data_load;
  for (uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  fedgate::stm32::paint_stack();
  for (auto* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (auto* f = __init_array_start; f < __init_array_end; ++f) (*f)();
  app_main();
  // app_main() does not return; if it does, start over.
  reg(fedgate::stm32::kScbAircr) = (0x5FAu << 16) | (1u << 2);
  for (;;) {
  }
}

extern "C" void Unused_Handler() { fedgate::stm32::report_fault("unexpected interrupt", nullptr); }

// Hands the stacked exception frame (MSP or PSP, per EXC_RETURN bit 2) to the reporter.
extern "C" __attribute__((naked)) void HardFault_Handler() {
  __asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "b hard_fault_report\n");
}

extern "C" void hard_fault_report(const uint32_t* frame) {
  fedgate::stm32::report_fault("hard fault", frame);
}
