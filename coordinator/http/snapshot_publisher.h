// SnapshotPublisher: hands StatusSnapshots from the coordinator loop to the
// HTTP thread. The loop calls publish_if_due() every turn and on_eval() after
// each evaluation; both build a new snapshot and swap a shared_ptr under a
// mutex held only for the swap, so the loop never waits on a request.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coordinator/clock.h"
#include "coordinator/coordinator.h"
#include "coordinator/http/status_snapshot.h"

namespace fedgate {

class SnapshotPublisher {
 public:
  // At most this often between evaluations (docs/monitoring.md).
  static constexpr int64_t kPublishIntervalUs = 200'000;
  // Evaluation points kept; beyond it every other older point is dropped.
  static constexpr size_t kMaxEvals = 4096;

  // `clock` is the coordinator's injected clock; `config_json` the effective
  // configuration as a JSON object.
  SnapshotPublisher(const Clock& clock, std::string config_json);

  // Coordinator thread: publishes when kPublishIntervalUs has passed.
  void publish_if_due(const Coordinator& coordinator);
  // Coordinator thread: records the new evaluation point and publishes.
  void on_eval(const Coordinator& coordinator);
  // Coordinator thread: publishes now.
  void publish(const Coordinator& coordinator);

  // Any thread: the latest snapshot (an empty one before the first publish).
  std::shared_ptr<const StatusSnapshot> latest() const;

 private:
  const Clock& clock_;
  const std::string config_json_;
  const int64_t start_us_;
  int64_t last_publish_us_ = 0;
  bool published_ = false;
  std::vector<EvalPoint> evals_;
  mutable std::mutex mutex_;
  std::shared_ptr<const StatusSnapshot> latest_;
};

}  // namespace fedgate
