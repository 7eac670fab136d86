// HttpServer: the coordinator's monitoring endpoints (docs/monitoring.md) on
// their own threads: /metrics (Prometheus), /api/status (JSON) and the
// dashboard at /. Handlers read only the publisher's latest snapshot, so a
// slow or stuck request never holds up the coordinator loop.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "coordinator/http/snapshot_publisher.h"
#include "core/base/status.h"

namespace httplib {
class Server;
}

namespace fedgate {

class HttpServer {
 public:
  // `per_client`: per-client series on /metrics (server.http_per_client).
  HttpServer(const SnapshotPublisher& publisher, bool per_client);
  ~HttpServer();  // stops serving and joins the thread
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `address` (server.http: HOST:PORT, port 0 or * for a free one) and
  // starts serving; the error names the address.
  Status start(const std::string& address);
  // "http://HOST:PORT/" with the bound port; valid after start().
  const std::string& url() const { return url_; }

 private:
  void add_routes();

  const SnapshotPublisher& publisher_;
  const bool per_client_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> listener_done_{false};
  std::string url_;
};

}  // namespace fedgate
