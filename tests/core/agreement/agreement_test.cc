// Cross-architecture agreement: the same seed, data share and parameters give
// the same LocalTrainer gradients on x86-64 (this host) and on aarch64 and armhf
// (fedgate-gradient-dump cross-built, run under user-mode QEMU), within a float
// tolerance.
//
// Why not bit for bit: the data split and minibatch order are integer maths on
// the portable Rng and agree exactly, but the float maths does not have to.
// GCC contracts a*b+c into one fused multiply-add on aarch64 (C++ defaults to
// -ffp-contract=fast; x86-64's baseline has no FMA and Debian's armhf baseline,
// VFPv3-D16, neither), Eigen vectorizes with SSE2 on x86-64, NEON on aarch64 and
// not at all on armhf, so sums are added in different orders, and libm's expf
// and logf may round differently. Each of these changes a result by a few units
// in the last place (float epsilon 1.2e-7) per operation; a gradient entry of
// the softmax (MLP) model is a sum over 32 samples (and 784 inputs through the
// hidden layer), so differences of up to ~1e-6 of the gradient's largest entry
// are expected; measured: at most 2.4e-7, with 35-50 % of the entries bit-identical
// (entries near zero differ by many ulps, which is why the bound is relative to
// the largest entry, not per entry). The test allows kRelativeTolerance = 1e-5 of
// the largest entry (and of the loss and norm): some forty times what was
// measured, far below what a real defect (a wrong sample, class or sign) causes,
// which is of the order of the entries themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hil/arm_target.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

constexpr double kRelativeTolerance = 1e-5;
constexpr int kTimeSteps = 100;

struct Step {
  double loss = 0, norm = 0;
  std::vector<float> grad;
};
using Dump = std::map<std::string, std::vector<Step>>;  // by model name

Dump parse(const std::string& text) {
  Dump dump;
  std::string model;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word == "model") {
      words >> model;
      dump[model];
    } else if (word == "step") {
      Step step;
      std::string number;
      words >> number >> word >> number;
      step.loss = std::strtod(number.c_str(), nullptr);
      words >> word >> number;
      step.norm = std::strtod(number.c_str(), nullptr);
      words >> word;  // "grad"
      while (words >> number) step.grad.push_back(std::strtof(number.c_str(), nullptr));
      dump[model].push_back(step);
    } else if (word == "time") {
      std::printf("  %s\n", line.c_str());
    }
  }
  return dump;
}

// Distance in units in the last place between two floats of the same sign.
int64_t ulps(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if ((ia < 0) != (ib < 0)) return a == b ? 0 : INT32_MAX;
  return std::llabs(static_cast<int64_t>(ia) - ib);
}

Dump run_native() {
  const std::string out = make_temp_dir("agreement_native") + "/dump.txt";
  Process dump(FEDGATE_GRADIENT_DUMP_BIN, {"--time-steps", std::to_string(kTimeSteps)}, out);
  EXPECT_EQ(dump.wait(120), 0) << read_file(out);
  std::printf("x86-64 (native):\n");
  Dump native = parse(read_file(out));
  return native;
}

void expect_agreement(const ArmTarget& target) {
  const std::string program = target_program(target, "tests/core/agreement/fedgate-gradient-dump");
  const std::string missing = missing_for(target, program);
  ASSERT_TRUE(missing.empty()) << missing;
  const Dump native = run_native();
  ASSERT_FALSE(native.empty());

  const std::string out = make_temp_dir("agreement_" + target.name) + "/dump.txt";
  Process dump(target.qemu,
               qemu_args(target, program, {"--time-steps", std::to_string(kTimeSteps)}), out);
  std::printf("%s (under %s):\n", target.name.c_str(), target.qemu.c_str());
  ASSERT_EQ(dump.wait(240), 0) << read_file(out);
  const Dump arm = parse(read_file(out));
  ASSERT_EQ(arm.size(), native.size());

  for (const auto& [model, steps] : native) {
    ASSERT_EQ(arm.count(model), 1u) << model;
    const std::vector<Step>& other = arm.at(model);
    ASSERT_EQ(other.size(), steps.size()) << model;
    size_t identical = 0, total = 0;
    double worst_relative = 0;
    int64_t worst_ulps = 0;
    for (size_t s = 0; s < steps.size(); ++s) {
      const Step& a = steps[s];
      const Step& b = other[s];
      ASSERT_EQ(a.grad.size(), b.grad.size()) << model << " step " << s;
      float largest = 0;
      for (float g : a.grad) largest = std::max(largest, std::fabs(g));
      ASSERT_GT(largest, 0) << model << " step " << s << ": zero gradient proves nothing";
      for (size_t i = 0; i < a.grad.size(); ++i) {
        const double relative = std::fabs(a.grad[i] - b.grad[i]) / largest;
        worst_relative = std::max(worst_relative, relative);
        worst_ulps = std::max(worst_ulps, ulps(a.grad[i], b.grad[i]));
        identical += a.grad[i] == b.grad[i];
        EXPECT_LE(relative, kRelativeTolerance)
            << model << " step " << s << " entry " << i << ": " << a.grad[i] << " vs " << b.grad[i];
      }
      total += a.grad.size();
      EXPECT_NEAR(b.loss, a.loss, kRelativeTolerance * std::fabs(a.loss)) << model << " " << s;
      EXPECT_NEAR(b.norm, a.norm, kRelativeTolerance * a.norm) << model << " " << s;
    }
    std::printf(
        "  %s: %zu of %zu gradient entries bit-identical to x86-64; largest difference "
        "%.2g of the largest entry (%lld ulp)\n",
        model.c_str(), identical, total, worst_relative, static_cast<long long>(worst_ulps));
  }
}

TEST(Agreement, Aarch64ComputesTheSameGradientsAsX86) { expect_agreement(aarch64_target()); }

TEST(Agreement, ArmhfComputesTheSameGradientsAsX86) { expect_agreement(armhf_target()); }

}  // namespace
}  // namespace fedgate::testing
