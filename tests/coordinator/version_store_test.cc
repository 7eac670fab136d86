#include "coordinator/version_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace fedgate {
namespace {

TEST(VersionStore, KeepsTheLastWindowVersionsAndMeasuresDistance) {
  GlobalModel model(std::vector<float>{1.0f, 2.0f});
  VersionStore store(/*window=*/3, model);
  model.apply(std::vector<float>{1.0f, 0.0f}, 1.0);  // v1 = (0, 2)
  store.store(model);
  model.apply(std::vector<float>{0.0f, -2.0f}, 1.0);  // v2 = (0, 4)
  store.store(model);
  EXPECT_EQ(store.snapshot(0)[0], 1.0f);
  EXPECT_EQ(store.snapshot(1)[1], 2.0f);
  // ||(0, 4) - (1, 2)|| = sqrt(5).
  EXPECT_DOUBLE_EQ(store.distance(0, model), std::sqrt(5.0));
  EXPECT_TRUE(store.holds(0, 2));
  EXPECT_FALSE(store.holds(3, 2));                   // the future
  model.apply(std::vector<float>{0.0f, 0.0f}, 1.0);  // v3 overwrites v0's row
  store.store(model);
  EXPECT_FALSE(store.holds(0, 3));
  EXPECT_TRUE(store.holds(1, 3));
  EXPECT_EQ(store.snapshot(3)[1], 4.0f);
}

}  // namespace
}  // namespace fedgate
