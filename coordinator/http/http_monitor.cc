#include "coordinator/http/http_monitor.h"

#include "coordinator/coordinator_config.h"

namespace fedgate {

HttpMonitor::HttpMonitor(const CoordinatorConfig& config, const Clock& clock,
                         Coordinator& coordinator)
    : coordinator_(coordinator),
      publisher_(clock, coordinator_config_json(config)),
      server_(publisher_, config.http_per_client) {}

Result<std::unique_ptr<HttpMonitor>> HttpMonitor::start(const CoordinatorConfig& config,
                                                        const Clock& clock,
                                                        Coordinator& coordinator) {
  std::unique_ptr<HttpMonitor> monitor(new HttpMonitor(config, clock, coordinator));
  FG_TRY(monitor->server_.start(config.http));
  HttpMonitor* self = monitor.get();
  coordinator.set_eval_listener([self] { self->publisher_.on_eval(self->coordinator_); });
  monitor->publish();
  return monitor;
}

HttpMonitor::~HttpMonitor() { coordinator_.set_eval_listener(nullptr); }

}  // namespace fedgate
