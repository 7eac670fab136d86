#include "coordinator/http/status_json.h"

#include <cmath>

#include "coordinator/http/prometheus_text.h"

namespace fedgate {
namespace {

using Json = nlohmann::json;

// JSON has no NaN or infinity: a diverged loss is null, as in the metrics file.
Json finite(double value) { return std::isfinite(value) ? Json(value) : Json(nullptr); }

Json eval_json(const EvalPoint& point) {
  return {{"version", point.version},
          {"time_s", finite(point.time_s)},
          {"accuracy", finite(point.accuracy)},
          {"loss", finite(point.loss)}};
}

Json counters_json(const Metrics& m) {
  return {{"messages_up", m.messages_up},
          {"messages_down", m.messages_down},
          {"bytes_up", m.bytes_up},
          {"bytes_down", m.bytes_down},
          {"registrations", m.hellos},
          {"offers", m.offers},
          {"accepts", m.accepts},
          {"rejects", m.rejects},
          {"forced_accepts", m.forced_accepts},
          {"updates", m.updates},
          {"clipped", m.clipped},
          {"dropped_old", m.dropped_old},
          {"skips", m.skips},
          {"commits", m.commits},
          {"model_sends", m.model_sends},
          {"errors", m.errors}};
}

Json staleness_json(const Metrics& m) {
  Json by_tau = Json::object();
  for (const auto& [tau, n] : m.staleness) by_tau[std::to_string(tau)] = n;
  const StalenessHistogram histogram = staleness_histogram(m);
  Json buckets = Json::array();
  for (size_t i = 0; i < histogram.cumulative.size(); ++i) {
    buckets.push_back({{"le", staleness_bucket_bounds()[i]}, {"count", histogram.cumulative[i]}});
  }
  return {
      {"by_tau", by_tau}, {"buckets", buckets}, {"count", histogram.count}, {"sum", histogram.sum}};
}

Json client_json(const ClientStatus& c) {
  return {{"name", c.name},
          {"active", c.active},
          {"device_class", c.device_class},
          {"last_seen_age_s", finite(c.last_seen_age_s)},
          {"offers", c.counts.offers},
          {"accepts", c.counts.accepts},
          {"rejects", c.counts.rejects},
          {"applied", c.counts.updates},
          {"errors", c.counts.errors},
          {"mean_staleness", finite(c.mean_staleness)},
          {"bytes_up", c.counts.bytes_up},
          {"bytes_down", c.counts.bytes_down}};
}

}  // namespace

Json status_json(const StatusSnapshot& s) {
  Json out;
  out["uptime_s"] = finite(s.uptime_s);
  out["running"] = s.running;
  out["stop_reason"] = s.stop_reason;
  out["version"] = s.version;
  out["model_norm"] = finite(s.model_norm);
  out["clients_active"] = s.clients_active;
  out["clients_registered"] = s.clients.size();
  out["counters"] = counters_json(s.metrics);
  out["errors_by_code"] = Json::object();
  for (const auto& [code, count] : s.metrics.errors_by_code) out["errors_by_code"][code] = count;
  out["staleness"] = staleness_json(s.metrics);
  out["last_eval"] = s.evaluated ? eval_json(s.last_eval) : Json(nullptr);
  out["evals"] = Json::array();
  for (const EvalPoint& point : s.evals) out["evals"].push_back(eval_json(point));
  out["clients"] = Json::array();
  for (const ClientStatus& client : s.clients) out["clients"].push_back(client_json(client));
  out["config"] =
      s.config_json.empty() ? Json::object() : Json::parse(s.config_json, nullptr, false);
  return out;
}

}  // namespace fedgate
