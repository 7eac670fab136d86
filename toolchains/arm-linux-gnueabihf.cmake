# 32-bit ARM Linux, hard float (Raspberry Pi OS 32-bit, Debian armhf) with
# Debian's g++-arm-linux-gnueabihf. Its default is Debian's armhf baseline,
# ARMv7-A with VFPv3-D16 and Thumb-2: Raspberry Pi 2 and newer. (The ARMv6 boards,
# Pi 1 and Zero, need a toolchain built for ARMv6; Debian does not ship one.)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(FEDGATE_TARGET_TRIPLET arm-linux-gnueabihf)
set(FEDGATE_TARGET_DEB_ARCH armhf)
set(FEDGATE_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
