// The real coordinator (run builder, policies, ZmqServer) on its own thread,
// bound to tcp://127.0.0.1:*, with a softmax model of the shape the load needs
// and no evaluation during the run.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "coordinator/clock.h"
#include "coordinator/run_builder.h"
#include "coordinator/zmq_server.h"

namespace fedgate::loadgen {

class InProcessCoordinator {
 public:
  // `settings`: "section.key=value" overrides on top of the load's own.
  static Result<std::unique_ptr<InProcessCoordinator>> start(
      uint32_t num_features, uint32_t num_classes, const std::vector<std::string>& settings);
  ~InProcessCoordinator();

  const std::string& endpoint() const { return endpoint_; }
  // Stops serving and returns the updates the coordinator applied.
  uint64_t stop();

 private:
  InProcessCoordinator() = default;

  std::unique_ptr<CoordinatorRun> run_;
  zmq::context_t context_{1};
  std::unique_ptr<ZmqServer> server_;
  SteadyClock clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string endpoint_;
};

}  // namespace fedgate::loadgen
