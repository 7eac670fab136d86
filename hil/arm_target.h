// ArmTarget: one cross-built ARM Linux build (build/aarch64, build/armhf) and
// how to run its programs on this x86-64 host: user-mode QEMU with the
// target's loader and libraries (qemu-aarch64 -L <root> program args...).
//
// The HIL and agreement tests use it. A missing QEMU or binary is a test
// failure with a message saying how to build it, never a skip.
#pragma once

#include <string>
#include <vector>

namespace fedgate::testing {

struct ArmTarget {
  std::string name;       // "aarch64" or "armhf"
  std::string qemu;       // full path of qemu-aarch64 / qemu-arm, or "" when not found
  std::string build_dir;  // the cross build directory
  std::string preset;     // the CMake preset that builds it
};

ArmTarget aarch64_target();
ArmTarget armhf_target();

// Path of a program of that build, e.g. "firmware/linux/fedgate-client".
std::string target_program(const ArmTarget& target, const std::string& relative_path);

// "" when `program` can run under QEMU; otherwise what is missing and how to get it.
std::string missing_for(const ArmTarget& target, const std::string& program);

// Root of the target's libraries as that build recorded it (FEDGATE_TARGET_ROOT
// in its CMakeCache.txt): "/" for Debian multiarch. QEMU's -L takes it.
std::string target_root(const ArmTarget& target);

// Arguments for Process(target.qemu, ...): -L <root> <program> <args...>.
std::vector<std::string> qemu_args(const ArmTarget& target, const std::string& program,
                                   const std::vector<std::string>& args);

}  // namespace fedgate::testing
