#include "core/base/param_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace fedgate {
namespace {

constexpr ParamSpec kRate{"rate", ParamKind::kAbove, 0.5, 0, 1, "a share"};
constexpr ParamSpec kSteps{"steps", ParamKind::kCount, 3, 1, 10, "a count"};
constexpr ParamSpec kBias{"bias", ParamKind::kNumber, 0, -1, 1, "a number"};
constexpr ParamSpec kTable[] = {kRate, kSteps, kBias};

TEST(ParamSpec, RangesFollowTheKind) {
  EXPECT_FALSE(param_in_range(kRate, 0));  // (0, 1]
  EXPECT_TRUE(param_in_range(kRate, 1));
  EXPECT_FALSE(param_in_range(kSteps, 2.5));  // whole numbers only
  EXPECT_TRUE(param_in_range(kSteps, 10));
  EXPECT_TRUE(param_in_range(kBias, -1));
  EXPECT_FALSE(param_in_range(kBias, 1.5));
  EXPECT_EQ(param_table(kTable).size(), 3u);
  EXPECT_EQ(kSteps.with_max(5).max, 5);
  EXPECT_STREQ(kSteps.with_max(5).key, "steps");
}

TEST(ParamReader, ReadsByTheTableWithDefaultsAndNamedErrors) {
  const NamedParam given[] = {{"trigger.steps", 7}, {"trigger.rate", 2}};
  ParamReader reader(Span<const NamedParam>(given, 2), "trigger", "demo");
  uint32_t steps = 0;
  double bias = 9;
  ASSERT_TRUE(reader.read(kSteps, &steps).is_ok());
  EXPECT_EQ(steps, 7u);
  ASSERT_TRUE(reader.read(kBias, &bias).is_ok());
  EXPECT_EQ(bias, 0);  // the default
  double rate = 0;
  const Status out_of_range = reader.read(kRate, &rate);
  EXPECT_EQ(std::string(out_of_range.message()), "[trigger.demo] rate = 2 is outside (0, 1]");
  EXPECT_TRUE(reader.check_all_used().is_ok());
}

}  // namespace
}  // namespace fedgate
