// ARM semihosting, for images that run only under a debugger or QEMU
// (-semihosting-config enable=on): the on-target test image exits with its status.
// On a board without a debugger attached, a semihosting call faults.
#pragma once

namespace fedgate::stm32 {

[[noreturn]] void semihosting_exit(int status);

}  // namespace fedgate::stm32
