# Shared part of the Debian cross toolchain files; the per-target files set
# FEDGATE_TARGET_TRIPLET (GNU triplet) and FEDGATE_TARGET_DEB_ARCH (Debian
# architecture) and include this file.
#
# The target's libraries come from Debian multiarch (libzmq3-dev:<arch> and
# zlib1g-dev:<arch> in /usr/lib/<triplet>; for the arm64 coordinator also spdlog,
# fmt, cpp-httplib and toml++'s CMake package). Where the mirror cannot install them
# beside the host's packages, scripts/setup unpacks the same packages into
# /opt/fedgate/sysroot/<arch> instead; FEDGATE_TARGET_ROOT says which one is used
# ("/" for multiarch). Headers that do not depend on the architecture
# (FlatBuffers, Eigen, CLI11, cppzmq, zmq.h) are read from the host's /usr/include,
# which the Debian cross compilers search after their own.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${FEDGATE_TARGET_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${FEDGATE_TARGET_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${FEDGATE_TARGET_TRIPLET})

# The toolchain file runs again for try_compile projects; pass the choice on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FEDGATE_TARGET_ROOT)
if(NOT DEFINED FEDGATE_TARGET_ROOT)
  set(unpacked /opt/fedgate/sysroot/${FEDGATE_TARGET_DEB_ARCH})
  if(EXISTS /usr/lib/${FEDGATE_TARGET_TRIPLET}/libzmq.so.5 OR NOT EXISTS ${unpacked})
    set(FEDGATE_TARGET_ROOT / CACHE PATH
        "Root of the target's libraries: / for Debian multiarch, or an unpacked sysroot")
  else()
    set(FEDGATE_TARGET_ROOT ${unpacked} CACHE PATH
        "Root of the target's libraries: / for Debian multiarch, or an unpacked sysroot")
  endif()
endif()

# Libraries only from the target's root; programs (flatc) only from the host.
set(CMAKE_FIND_ROOT_PATH ${FEDGATE_TARGET_ROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must describe the target's libzmq, not the host's.
set(ENV{PKG_CONFIG_LIBDIR}
    "${FEDGATE_TARGET_ROOT}/usr/lib/${FEDGATE_TARGET_TRIPLET}/pkgconfig:${FEDGATE_TARGET_ROOT}/usr/share/pkgconfig")
if(NOT FEDGATE_TARGET_ROOT STREQUAL "/")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${FEDGATE_TARGET_ROOT})
  # The linker follows libzmq's own dependencies (libsodium, libgssapi_krb5, ...)
  # through these directories; multiarch ones are on its default path already.
  set(CMAKE_EXE_LINKER_FLAGS_INIT
      "-Wl,-rpath-link,${FEDGATE_TARGET_ROOT}/usr/lib/${FEDGATE_TARGET_TRIPLET}:${FEDGATE_TARGET_ROOT}/lib/${FEDGATE_TARGET_TRIPLET}")
  # The target's architecture-dependent headers (openssl/opensslconf.h, which
  # cpp-httplib's header includes) are in <root>/usr/include/<triplet>, a
  # directory the compiler looks for only under /usr; searched last.
  set(CMAKE_C_FLAGS_INIT "-idirafter ${FEDGATE_TARGET_ROOT}/usr/include/${FEDGATE_TARGET_TRIPLET}")
  set(CMAKE_CXX_FLAGS_INIT "-idirafter ${FEDGATE_TARGET_ROOT}/usr/include/${FEDGATE_TARGET_TRIPLET}")
endif()

# What runs a target binary on the build host: user-mode QEMU with the
# target's loader and libraries under FEDGATE_TARGET_ROOT.
set(CMAKE_CROSSCOMPILING_EMULATOR ${FEDGATE_QEMU};-L;${FEDGATE_TARGET_ROOT})
