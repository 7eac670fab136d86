# Bare-metal Cortex-M4F (STM32F4: netduinoplus2 under QEMU, NUCLEO-F446RE) with
# Debian's gcc-arm-none-eabi and newlib-nano. Usage: cmake --preset cortex-m4, or
#   cmake -B build/cortex-m4 -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-none-eabi-cortex-m4.cmake -DFEDGATE_FIRMWARE_STM32=ON
# Every MCU flag lives here, not in targets (firmware/stm32/ adds only the linker script).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy for .bin images")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size for the budget report")
# No OS to run a test program on: try_compile builds a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(FEDGATE_MCU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${FEDGATE_MCU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${FEDGATE_MCU_FLAGS} -fno-exceptions -fno-rtti -fno-threadsafe-statics -ffunction-sections -fdata-sections -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${FEDGATE_MCU_FLAGS}")
# -nostartfiles: firmware/stm32's Reset_Handler is the entry, not newlib's crt0.
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -nostartfiles -Wl,--gc-sections")

# Libraries and headers only from the toolchain; programs (flatc) from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
