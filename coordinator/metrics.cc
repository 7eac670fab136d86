#include "coordinator/metrics.h"

#include <cmath>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

namespace fedgate {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written: "event" first

// A diverged run must not look like a perfect one: NaN and infinities become null.
Json number_or_null(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

// docs/security.md, "Limits": what the limits refused, clipped or expired.
Json limit_counts_json(const LimitCounts& c) {
  return {{"norm_clipped", c.norm_clipped},
          {"norm_refused", c.norm_refused},
          {"non_finite_refused", c.non_finite_refused},
          {"late_refused", c.late_refused},
          {"clients_expired", c.clients_expired},
          {"registrations_refused", c.registrations_refused},
          {"clients_evicted", c.clients_evicted},
          {"model_requests_coalesced", c.model_requests_coalesced},
          {"peers_dropped", c.peers_dropped}};
}

}  // namespace

const char* evaluation_health(const EvalPoint& point) {
  return std::isfinite(point.loss) && std::isfinite(point.accuracy) ? "ok" : "non-finite-loss";
}

std::string run_header_json(const RunHeader& header) {
  Json line;
  line["event"] = "run";
  line["fedgate_version"] = header.version;
  line["started_utc"] = header.started_utc;
  line["seeds"] = Json::object();
  for (const auto& [name, seed] : header.seeds) line["seeds"][name] = seed;
  Json config = Json::parse(header.config_json, nullptr, /*allow_exceptions=*/false);
  line["config"] = config.is_discarded() ? Json(nullptr) : std::move(config);
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

// A metrics line; `clients` null leaves out the per-client table.
std::string line_json(const char* event, const EvalPoint& point, const Metrics& m,
                      const ClientRegistry* clients, const TextFields& extra) {
  Json line;
  line["event"] = event;
  line["version"] = point.version;
  line["time_s"] = number_or_null(point.time_s);
  line["accuracy"] = number_or_null(point.accuracy);
  line["loss"] = number_or_null(point.loss);
  line["bytes_up"] = m.bytes_up;
  line["bytes_down"] = m.bytes_down;
  line["messages_up"] = m.messages_up;
  line["messages_down"] = m.messages_down;
  line["offers"] = m.offers;
  line["accepts"] = m.accepts;
  line["rejects"] = m.rejects;
  line["updates"] = m.updates;
  line["skips"] = m.skips;
  line["hellos"] = m.hellos;
  line["model_sends"] = m.model_sends;
  line["errors"] = m.errors;
  line["stale_offers"] = m.stale_offers;
  line["commits"] = m.commits;
  line["clipped"] = m.clipped;
  line["forced_accepts"] = m.forced_accepts;
  line["buffered"] = m.buffered;
  line["reused"] = m.reused;
  line["dropped_old"] = m.dropped_old;
  line["held"] = m.held;
  line["clients_never_applied"] = m.clients_never_applied;
  line["health"] = evaluation_health(point);
  line["limits"] = limit_counts_json(m.limits);
  line["errors_by_code"] = Json::object();
  for (const auto& [code, count] : m.errors_by_code) line["errors_by_code"][code] = count;
  line["staleness"] = Json::object();
  for (const auto& [tau, count] : m.staleness) line["staleness"][std::to_string(tau)] = count;
  if (clients != nullptr) {
    Json& per_client = line["clients"] = Json::object();
    for (const auto& [id, record] : clients->all()) {
      const ClientCounts& c = record.counts;
      per_client[id] = {{"offers", c.offers},        {"accepts", c.accepts},
                        {"rejects", c.rejects},      {"updates", c.updates},
                        {"errors", c.errors},        {"bytes_up", c.bytes_up},
                        {"bytes_down", c.bytes_down}};
    }
  }
  for (const auto& [key, value] : extra) line[key] = value;
  // Client names come from the network and need not be UTF-8: replace what is not.
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string metrics_json(const char* event, const EvalPoint& point, const Metrics& metrics,
                         const ClientRegistry& clients, const TextFields& extra) {
  return line_json(event, point, metrics, &clients, extra);
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

bool MetricsLog::open(const std::string& path, bool append) {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  return file_ != nullptr;
}

void MetricsLog::write(const char* event, const EvalPoint& point, const Metrics& metrics,
                       const ClientRegistry& clients, const TextFields& extra) {
  if (file_ == nullptr) return;
  // Evaluation lines stay small: the per-client table goes with the summary.
  const bool with_clients = clients_in_evals_ || std::strcmp(event, "eval") != 0;
  write_line(line_json(event, point, metrics, with_clients ? &clients : nullptr, extra));
}

void MetricsLog::write_line(const std::string& json) {
  if (file_ == nullptr) return;
  std::fprintf(file_, "%s\n", json.c_str());
  std::fflush(file_);
}

}  // namespace fedgate
