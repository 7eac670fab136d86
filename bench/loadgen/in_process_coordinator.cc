#include "bench/loadgen/in_process_coordinator.h"

namespace fedgate::loadgen {

Result<std::unique_ptr<InProcessCoordinator>> InProcessCoordinator::start(
    uint32_t num_features, uint32_t num_classes, const std::vector<std::string>& settings) {
  std::vector<std::string> overrides = {
      "server.bind=\"tcp://127.0.0.1:*\"",
      "model.kind=\"softmax\"",
      "model.num_features=" + std::to_string(num_features),
      "model.num_classes=" + std::to_string(num_classes),
      "acceptance.policy=\"accept-all\"",
      "stepsize.constant.gamma=0.001",
      "run.eval_every=0",
  };
  overrides.insert(overrides.end(), settings.begin(), settings.end());
  Result<CoordinatorConfig> config = load_coordinator_config("", overrides);
  if (!config.is_ok()) return config.status();

  // A few test samples: the run evaluates only at its start and end.
  Dataset test;
  test.num_features = num_features;
  test.num_classes = num_classes;
  test.features.assign(static_cast<size_t>(num_features) * num_classes, 0.5f);
  for (uint32_t i = 0; i < num_classes; ++i) test.labels.push_back(static_cast<int32_t>(i));

  std::unique_ptr<InProcessCoordinator> self(new InProcessCoordinator());
  Result<std::unique_ptr<CoordinatorRun>> run =
      CoordinatorRun::build(std::move(config).value(), std::move(test), RunOutputs{});
  if (!run.is_ok()) return run.status();
  self->run_ = std::move(run).value();
  const int64_t limit = static_cast<int64_t>(4 * self->run_->largest_message_bytes() + (1 << 20));
  self->server_ = std::make_unique<ZmqServer>(self->context_, self->run_->config().bind, limit);
  self->endpoint_ = self->server_->endpoint();
  Coordinator& coordinator = self->run_->make_coordinator(self->clock_, *self->server_);
  coordinator.start();
  self->server_->attach(coordinator);
  InProcessCoordinator* raw = self.get();
  self->thread_ = std::thread([raw] { raw->server_->run(raw->stop_, 10, 0); });
  return self;
}

InProcessCoordinator::~InProcessCoordinator() { stop(); }

uint64_t InProcessCoordinator::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  return run_->coordinator().metrics().updates;
}

}  // namespace fedgate::loadgen
