// HttpMonitor: server.http put together (docs/monitoring.md). It publishes
// snapshots from the coordinator's thread (after each evaluation and at most
// every SnapshotPublisher::kPublishIntervalUs from the loop) and serves them
// on the HTTP thread.
#pragma once

#include <memory>
#include <string>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/http/http_server.h"
#include "coordinator/http/snapshot_publisher.h"

namespace fedgate {

class HttpMonitor {
 public:
  // Binds config.http and starts serving; the error names the address.
  // `coordinator` must outlive the monitor; `clock` is the coordinator's.
  static Result<std::unique_ptr<HttpMonitor>> start(const CoordinatorConfig& config,
                                                    const Clock& clock, Coordinator& coordinator);
  ~HttpMonitor();  // stops serving and detaches from the coordinator
  HttpMonitor(const HttpMonitor&) = delete;
  HttpMonitor& operator=(const HttpMonitor&) = delete;

  // The coordinator loop's hook (ZmqServer::set_loop_hook); never blocks on a request.
  void publish_if_due() { publisher_.publish_if_due(coordinator_); }
  // Publishes the current state now (after the run stopped).
  void publish() { publisher_.publish(coordinator_); }
  // "http://HOST:PORT/" with the bound port.
  const std::string& url() const { return server_.url(); }

 private:
  HttpMonitor(const CoordinatorConfig& config, const Clock& clock, Coordinator& coordinator);

  Coordinator& coordinator_;
  SnapshotPublisher publisher_;
  HttpServer server_;
};

}  // namespace fedgate
