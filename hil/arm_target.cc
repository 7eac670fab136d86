#include "hil/arm_target.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace fedgate::testing {
namespace {

bool executable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

}  // namespace

ArmTarget aarch64_target() {
  return {"aarch64", FEDGATE_QEMU_AARCH64, FEDGATE_HIL_AARCH64_BUILD, "aarch64"};
}

ArmTarget armhf_target() { return {"armhf", FEDGATE_QEMU_ARM, FEDGATE_HIL_ARMHF_BUILD, "armhf"}; }

std::string target_program(const ArmTarget& target, const std::string& relative_path) {
  return target.build_dir + "/" + relative_path;
}

std::string missing_for(const ArmTarget& target, const std::string& program) {
  if (!executable(target.qemu)) {
    return "user-mode QEMU for " + target.name +
           " was not found when this build was configured (Debian package qemu-user; "
           "scripts/setup installs it, then reconfigure)";
  }
  if (!executable(program)) {
    const std::string name = program.substr(program.rfind('/') + 1);
    return "no " + target.name + " build of " + program + ": run scripts/test, or cmake --preset " +
           target.preset + " && cmake --build --preset " + target.preset + " --target " + name;
  }
  return "";
}

std::string target_root(const ArmTarget& target) {
  std::ifstream cache(target.build_dir + "/CMakeCache.txt");
  const std::string key = "FEDGATE_TARGET_ROOT:PATH=";
  for (std::string line; std::getline(cache, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  return "/";
}

std::vector<std::string> qemu_args(const ArmTarget& target, const std::string& program,
                                   const std::vector<std::string>& args) {
  std::vector<std::string> all = {"-L", target_root(target), program};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

}  // namespace fedgate::testing
