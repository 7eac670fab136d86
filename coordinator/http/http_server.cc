#include "coordinator/http/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "coordinator/http/dashboard_assets.h"
#include "coordinator/http/http_address.h"
#include "coordinator/http/prometheus_text.h"
#include "coordinator/http/status_json.h"

namespace fedgate {
namespace {

// A few scrapers and one dashboard at a time; the gateway's cores belong to the loop.
constexpr size_t kHttpThreads = 2;

}  // namespace

HttpServer::HttpServer(const SnapshotPublisher& publisher, bool per_client)
    : publisher_(publisher), per_client_(per_client), server_(std::make_unique<httplib::Server>()) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  // httplib's default adds SO_REUSEPORT, which would let a second coordinator
  // share the port silently; SO_REUSEADDR alone still allows a quick restart.
  server_->set_socket_options([](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  add_routes();
}

HttpServer::~HttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

void HttpServer::add_routes() {
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(prometheus_text(*publisher_.latest(), per_client_),
                         "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/api/status", [this](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_content(status_json(*publisher_.latest()).dump(), "application/json");
  });
  server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(dashboard_html(), "text/html; charset=utf-8");
  });
  server_->Get("/chart.js", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "max-age=3600");
    response.set_content(chart_js(), "text/javascript; charset=utf-8");
  });
}

Status HttpServer::start(const std::string& address) {
  Result<HttpAddress> parsed = parse_http_address(address);
  if (!parsed.is_ok()) return parsed.status();
  const HttpAddress& where = parsed.value();
  int port = where.port;
  if (port == 0) {
    port = server_->bind_to_any_port(where.host);
  } else if (!server_->bind_to_port(where.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Status::error(StatusCode::kUnavailable, "server.http: cannot bind %s", address.c_str());
  }
  const bool v6 = where.host.find(':') != std::string::npos;
  url_ = "http://" + (v6 ? "[" + where.host + "]" : where.host) + ":" + std::to_string(port) + "/";
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    listener_done_.store(true);
  });
  // stop() is a no-op until the listener runs: wait, so the destructor cannot miss it.
  while (!server_->is_running() && !listener_done_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::ok();
}

}  // namespace fedgate
