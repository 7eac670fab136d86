#include "coordinator/http/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "schemas/fedgate_generated.h"

namespace fedgate {
namespace {

// Prometheus spells non-finite values NaN, +Inf and -Inf.
std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // The shortest form that reads back exactly (0.8143, not 0.81430000000000002).
  char text[32];
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Exposition {
 public:
  void family(const char* name, const char* type, const char* help) {
    text_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, double value, const std::string& labels = "") {
    text_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(value) + "\n";
  }
  void single(const char* name, const char* type, const char* help, double value) {
    family(name, type, help);
    sample(name, value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + escape_label(value) + "\"";
}

void write_counters(Exposition& out, const Metrics& m) {
  out.single("fedgate_messages_received_total", "counter", "Messages received from clients.",
             double(m.messages_up));
  out.single("fedgate_messages_sent_total", "counter", "Messages sent to clients.",
             double(m.messages_down));
  out.single("fedgate_received_bytes_total", "counter", "Bytes received from clients (uplink).",
             double(m.bytes_up));
  out.single("fedgate_sent_bytes_total", "counter", "Bytes sent to clients (downlink).",
             double(m.bytes_down));
  out.single("fedgate_registrations_total", "counter", "Hello messages answered (registrations).",
             double(m.hellos));
  out.single("fedgate_offers_total", "counter", "Offers that passed validation and got a Decision.",
             double(m.offers));
  out.single("fedgate_offers_accepted_total", "counter", "Offers accepted.", double(m.accepts));
  out.single("fedgate_offers_rejected_total", "counter", "Offers rejected.", double(m.rejects));
  out.single("fedgate_offers_forced_total", "counter",
             "Offers accepted by the starvation guard against the acceptance rule.",
             double(m.forced_accepts));
  out.single("fedgate_updates_applied_total", "counter",
             "Updates the aggregation policy applied or buffered.", double(m.updates));
  out.single("fedgate_updates_clipped_total", "counter",
             "Updates the staleness policy dropped entirely.", double(m.clipped));
  out.single("fedgate_updates_dropped_total", "counter",
             "Contributions that came after their round's commit.", double(m.dropped_old));
  out.single("fedgate_skips_total", "counter", "Skip messages received.", double(m.skips));
  out.single("fedgate_commits_total", "counter", "Model versions made.", double(m.commits));
  out.single("fedgate_model_sends_total", "counter", "Whole models sent to clients.",
             double(m.model_sends));
  out.family("fedgate_errors_total", "counter", "Error replies sent, by protocol error code.");
  std::map<std::string, uint64_t> by_code;
  for (const wire::ErrorCode code : wire::EnumValuesErrorCode()) {
    if (code != wire::ErrorCode::None) by_code[wire::EnumNameErrorCode(code)] = 0;
  }
  for (const auto& [code, count] : m.errors_by_code) by_code[code] = count;
  for (const auto& [code, count] : by_code) {
    out.sample("fedgate_errors_total", double(count), label("code", code));
  }
}

void write_gauges(Exposition& out, const StatusSnapshot& s) {
  out.single("fedgate_up", "gauge", "1 while the run is going, 0 once it has stopped.",
             s.running ? 1 : 0);
  out.single("fedgate_uptime_seconds", "gauge", "Seconds since the coordinator started serving.",
             s.uptime_s);
  out.single("fedgate_model_version", "gauge", "Version of the global model.", s.version);
  out.single("fedgate_model_norm", "gauge", "L2 norm of the global model's parameters.",
             s.model_norm);
  out.single("fedgate_clients_active", "gauge", "Clients registered and not gone.",
             double(s.clients_active));
  out.single("fedgate_clients_registered", "gauge", "Clients ever registered in this run.",
             double(s.clients.size()));
  out.single("fedgate_clients_never_applied", "gauge",
             "Registered clients none of whose updates was applied (at the last evaluation).",
             double(s.metrics.clients_never_applied));
  if (!s.evaluated) return;
  out.single("fedgate_test_accuracy_ratio", "gauge",
             "Test accuracy of the last evaluated model (0 to 1).", s.last_eval.accuracy);
  out.single("fedgate_test_loss", "gauge", "Test loss of the last evaluated model.",
             s.last_eval.loss);
  out.single("fedgate_evaluated_model_version", "gauge", "Model version of the last evaluation.",
             s.last_eval.version);
  out.single("fedgate_evaluation_time_seconds", "gauge",
             "Run time at the last evaluation, in seconds.", s.last_eval.time_s);
}

void write_staleness(Exposition& out, const Metrics& m) {
  const char* name = "fedgate_update_staleness_versions";
  out.family(name, "histogram", "Staleness of applied updates, in model versions.");
  const StalenessHistogram histogram = staleness_histogram(m);
  for (size_t i = 0; i < histogram.cumulative.size(); ++i) {
    out.sample(std::string(name) + "_bucket", double(histogram.cumulative[i]),
               label("le", number(staleness_bucket_bounds()[i])));
  }
  out.sample(std::string(name) + "_bucket", double(histogram.count), label("le", "+Inf"));
  out.sample(std::string(name) + "_sum", histogram.sum);
  out.sample(std::string(name) + "_count", double(histogram.count));
}

void write_per_client(Exposition& out, const StatusSnapshot& s) {
  // Summed by name: two connections under one name make one series.
  std::map<std::string, ClientStatus> by_name;
  for (const ClientStatus& client : s.clients) {
    auto [it, fresh] = by_name.emplace(client.name, client);
    if (fresh) continue;
    ClientCounts& sum = it->second.counts;
    sum.offers += client.counts.offers;
    sum.accepts += client.counts.accepts;
    sum.rejects += client.counts.rejects;
    sum.updates += client.counts.updates;
    sum.errors += client.counts.errors;
    sum.bytes_up += client.counts.bytes_up;
    sum.bytes_down += client.counts.bytes_down;
    it->second.last_seen_age_s = std::min(it->second.last_seen_age_s, client.last_seen_age_s);
  }
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const ClientStatus&);
  };
  const Series series[] = {
      {"fedgate_client_offers_total", "counter", "Offers from this client.",
       [](const ClientStatus& c) { return double(c.counts.offers); }},
      {"fedgate_client_offers_accepted_total", "counter", "This client's offers accepted.",
       [](const ClientStatus& c) { return double(c.counts.accepts); }},
      {"fedgate_client_updates_applied_total", "counter", "This client's updates applied.",
       [](const ClientStatus& c) { return double(c.counts.updates); }},
      {"fedgate_client_errors_total", "counter", "Error replies sent to this client.",
       [](const ClientStatus& c) { return double(c.counts.errors); }},
      {"fedgate_client_received_bytes_total", "counter", "Bytes received from this client.",
       [](const ClientStatus& c) { return double(c.counts.bytes_up); }},
      {"fedgate_client_sent_bytes_total", "counter", "Bytes sent to this client.",
       [](const ClientStatus& c) { return double(c.counts.bytes_down); }},
      {"fedgate_client_last_seen_age_seconds", "gauge", "Seconds since this client's last message.",
       [](const ClientStatus& c) { return c.last_seen_age_s; }},
  };
  for (const Series& one : series) {
    out.family(one.name, one.type, one.help);
    for (const auto& [name, client] : by_name) {
      out.sample(one.name, one.value(client), label("client", name));
    }
  }
}

}  // namespace

const std::vector<double>& staleness_bucket_bounds() {
  static const std::vector<double> bounds = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};
  return bounds;
}

StalenessHistogram staleness_histogram(const Metrics& metrics) {
  StalenessHistogram histogram;
  for (const double bound : staleness_bucket_bounds()) {
    uint64_t below = 0;
    for (const auto& [tau, n] : metrics.staleness) {
      if (tau <= bound) below += n;
    }
    histogram.cumulative.push_back(below);
  }
  for (const auto& [tau, n] : metrics.staleness) {
    histogram.count += n;
    histogram.sum += double(tau) * double(n);
  }
  return histogram;
}

std::string prometheus_text(const StatusSnapshot& snapshot, bool per_client) {
  Exposition out;
  write_counters(out, snapshot.metrics);
  write_gauges(out, snapshot);
  write_staleness(out, snapshot.metrics);
  if (per_client) write_per_client(out, snapshot);
  return out.take();
}

}  // namespace fedgate
