#include "coordinator/http/snapshot_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/coordinator/http/status_fixture.h"

namespace fedgate {
namespace {

TEST(SnapshotPublisher, PublishesAtMostEveryIntervalByTheInjectedClock) {
  CoordinatorHarness h(testing::accept_all_policies());
  SnapshotPublisher publisher(h.clock(), "{}");
  EXPECT_EQ(publisher.latest()->version, 0u);
  publisher.publish_if_due(h.coordinator());  // the first one is always due
  const auto first = publisher.latest();
  h.hello("a");
  h.contribute("a", std::vector<float>(CoordinatorHarness::kDim, 0.5f));
  h.clock().advance_us(SnapshotPublisher::kPublishIntervalUs - 1);
  publisher.publish_if_due(h.coordinator());
  EXPECT_EQ(publisher.latest(), first);  // too soon: the same snapshot
  EXPECT_EQ(first->version, 0u);         // and snapshots never change
  h.clock().advance_us(1);
  publisher.publish_if_due(h.coordinator());
  EXPECT_EQ(publisher.latest()->version, 1u);
  EXPECT_EQ(publisher.latest()->clients.size(), 1u);
  EXPECT_DOUBLE_EQ(publisher.latest()->uptime_s, 0.2);
}

TEST(SnapshotPublisher, EachEvaluationIsRecordedAndPublishedAtOnce) {
  CoordinatorHarness h(testing::accept_all_policies());
  SnapshotPublisher publisher(h.clock(), R"({"run": {}})");
  publisher.publish(h.coordinator());
  h.hello("a");
  h.contribute("a", std::vector<float>(CoordinatorHarness::kDim, 0.5f));
  publisher.on_eval(h.coordinator());  // no time has passed: still published
  const auto snapshot = publisher.latest();
  EXPECT_EQ(snapshot->version, 1u);
  EXPECT_TRUE(snapshot->evaluated);
  ASSERT_EQ(snapshot->evals.size(), 1u);
  EXPECT_EQ(snapshot->config_json, R"({"run": {}})");
}

TEST(SnapshotPublisher, ALongHistoryIsThinnedToHalf) {
  CoordinatorHarness h(testing::accept_all_policies());
  SnapshotPublisher publisher(h.clock(), "{}");
  for (size_t i = 0; i < SnapshotPublisher::kMaxEvals; ++i) publisher.on_eval(h.coordinator());
  EXPECT_EQ(publisher.latest()->evals.size(), SnapshotPublisher::kMaxEvals);
  publisher.on_eval(h.coordinator());
  EXPECT_EQ(publisher.latest()->evals.size(), SnapshotPublisher::kMaxEvals / 2 + 1);
}

// Readers on other threads see whole snapshots while the loop publishes.
TEST(SnapshotPublisher, ReadersNeverSeeAHalfBuiltSnapshot) {
  CoordinatorHarness h(testing::accept_all_policies());
  SnapshotPublisher publisher(h.clock(), "{}");
  h.hello("a");
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      const auto snapshot = publisher.latest();
      EXPECT_LE(snapshot->metrics.updates, snapshot->version);
      ++reads;
    }
  });
  for (int i = 0; i < 200; ++i) {
    h.contribute("a", std::vector<float>(CoordinatorHarness::kDim, 0.01f));
    publisher.publish(h.coordinator());
  }
  while (reads.load() < 10) std::this_thread::yield();
  done.store(true);
  reader.join();
  EXPECT_EQ(publisher.latest()->version, 200u);
}

}  // namespace
}  // namespace fedgate
