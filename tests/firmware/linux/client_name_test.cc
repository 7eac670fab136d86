// The default client name is unique per board (docs/security.md, "Duplicate names"): two
// boards from one package must not both register as client-0.
#include "firmware/linux/client_name.h"

#include <gtest/gtest.h>

namespace fedgate {
namespace {

TEST(DefaultClientName, CombinesHostnameMachineIdAndIndex) {
  EXPECT_EQ(default_client_name("raspberrypi", "3F2A9C1B77d04e2c9e0b5a41c2d7e811\n", 0),
            "raspberrypi-3f2a9c1b-0");
  EXPECT_EQ(default_client_name("raspberrypi", "3f2a9c1b77d04e2c9e0b5a41c2d7e811", 2),
            "raspberrypi-3f2a9c1b-2");
}

TEST(DefaultClientName, BoardsWithTheSameHostnameDifferByMachineId) {
  EXPECT_NE(default_client_name("raspberrypi", "11111111aaaa", 0),
            default_client_name("raspberrypi", "22222222aaaa", 0));
}

TEST(DefaultClientName, FallsBackWithoutAMachineIdOrHostname) {
  EXPECT_EQ(default_client_name("pi-kitchen", "", 1), "pi-kitchen-1");
  EXPECT_EQ(default_client_name("pi-kitchen", "abc", 1), "pi-kitchen-1");  // too short to use
  EXPECT_EQ(default_client_name("", "", 0), "client-0");
  // Whatever the hostname holds, the name stays printable.
  EXPECT_EQ(default_client_name("a b\x01", "", 0), "a-b--0");
}

TEST(DefaultClientName, ThisHostsNameIsStableAndEndsInTheIndex) {
  const std::string name = default_client_name(3);
  EXPECT_EQ(name, default_client_name(3));
  EXPECT_EQ(name.substr(name.size() - 2), "-3");
}

}  // namespace
}  // namespace fedgate
