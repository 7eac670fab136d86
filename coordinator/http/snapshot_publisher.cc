#include "coordinator/http/snapshot_publisher.h"

#include <utility>

namespace fedgate {

SnapshotPublisher::SnapshotPublisher(const Clock& clock, std::string config_json)
    : clock_(clock),
      config_json_(std::move(config_json)),
      start_us_(clock.now_us()),
      latest_(std::make_shared<const StatusSnapshot>()) {}

void SnapshotPublisher::publish_if_due(const Coordinator& coordinator) {
  if (published_ && clock_.now_us() - last_publish_us_ < kPublishIntervalUs) return;
  publish(coordinator);
}

void SnapshotPublisher::on_eval(const Coordinator& coordinator) {
  evals_.push_back(coordinator.last_eval());
  if (evals_.size() > kMaxEvals) {
    // Halve the history, keeping the newest point, so the curve keeps its whole span.
    std::vector<EvalPoint> thinned;
    for (size_t i = evals_.size() % 2 == 0 ? 1 : 0; i < evals_.size(); i += 2) {
      thinned.push_back(evals_[i]);
    }
    evals_ = std::move(thinned);
  }
  publish(coordinator);
}

void SnapshotPublisher::publish(const Coordinator& coordinator) {
  const int64_t now = clock_.now_us();
  auto snapshot =
      std::make_shared<StatusSnapshot>(take_status_snapshot(coordinator, now, start_us_));
  snapshot->evaluated = !evals_.empty();
  snapshot->evals = evals_;
  snapshot->config_json = config_json_;
  last_publish_us_ = now;
  published_ = true;
  std::lock_guard<std::mutex> lock(mutex_);
  latest_ = std::move(snapshot);
}

std::shared_ptr<const StatusSnapshot> SnapshotPublisher::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

}  // namespace fedgate
