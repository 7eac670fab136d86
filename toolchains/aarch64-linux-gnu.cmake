# 64-bit ARM Linux (Raspberry Pi OS 64-bit, Debian arm64) with Debian's
# g++-aarch64-linux-gnu. Usage: cmake --preset aarch64, or
#   cmake -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake -DFEDGATE_CLIENT_ONLY=ON
# The arm64 gateway's coordinator: cmake --preset aarch64-gateway (docs/deploy-gateway.md).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(FEDGATE_TARGET_TRIPLET aarch64-linux-gnu)
set(FEDGATE_TARGET_DEB_ARCH arm64)
set(FEDGATE_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
