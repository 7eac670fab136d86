#include "coordinator/metrics.h"

#include <cinttypes>
#include <cstdarg>
#include <cmath>

namespace fedgate {
namespace {

void append(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void append(std::string& out, const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  out += buffer;
}

// Client names come from the network: escape everything JSON needs escaped.
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      append(out, "\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

double finite_or_zero(double value) { return std::isfinite(value) ? value : 0.0; }

}  // namespace

std::string metrics_json(const char* event, const EvalPoint& point, const Metrics& m,
                         const ClientRegistry& clients, const char* extra_json) {
  std::string out;
  append(out, "{\"event\":\"%s\",\"version\":%u,\"time_s\":%.3f,\"accuracy\":%.5f,\"loss\":%.6f",
         event, point.version, point.time_s, finite_or_zero(point.accuracy),
         finite_or_zero(point.loss));
  append(out,
         ",\"bytes_up\":%" PRIu64 ",\"bytes_down\":%" PRIu64 ",\"messages_up\":%" PRIu64
         ",\"messages_down\":%" PRIu64,
         m.bytes_up, m.bytes_down, m.messages_up, m.messages_down);
  append(out,
         ",\"offers\":%" PRIu64 ",\"accepts\":%" PRIu64 ",\"rejects\":%" PRIu64
         ",\"updates\":%" PRIu64 ",\"skips\":%" PRIu64 ",\"hellos\":%" PRIu64
         ",\"model_sends\":%" PRIu64 ",\"errors\":%" PRIu64,
         m.offers, m.accepts, m.rejects, m.updates, m.skips, m.hellos, m.model_sends, m.errors);
  append(out,
         ",\"commits\":%" PRIu64 ",\"clipped\":%" PRIu64 ",\"forced_accepts\":%" PRIu64
         ",\"buffered\":%" PRIu64 ",\"reused\":%" PRIu64 ",\"dropped_old\":%" PRIu64
         ",\"held\":%" PRIu64,
         m.commits, m.clipped, m.forced_accepts, m.buffered, m.reused, m.dropped_old, m.held);
  out += ",\"errors_by_code\":{";
  bool first = true;
  for (const auto& [code, count] : m.errors_by_code) {
    append(out, "%s%s:%" PRIu64, first ? "" : ",", json_string(code).c_str(), count);
    first = false;
  }
  out += "},\"staleness\":{";
  first = true;
  for (const auto& [tau, count] : m.staleness) {
    append(out, "%s\"%u\":%" PRIu64, first ? "" : ",", tau, count);
    first = false;
  }
  out += "},\"clients\":{";
  first = true;
  for (const auto& [id, record] : clients.all()) {
    const ClientCounts& c = record.counts;
    out += (first ? "" : ",") + json_string(id);
    append(out,
           ":{\"offers\":%" PRIu64 ",\"accepts\":%" PRIu64 ",\"rejects\":%" PRIu64
           ",\"updates\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"bytes_up\":%" PRIu64
           ",\"bytes_down\":%" PRIu64 "}",
           c.offers, c.accepts, c.rejects, c.updates, c.errors, c.bytes_up, c.bytes_down);
    first = false;
  }
  out += "}";
  if (extra_json != nullptr && extra_json[0] != '\0') {
    out += ",";
    out += extra_json;
  }
  out += "}";
  return out;
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

bool MetricsLog::open(const std::string& path) {
  if (file_ != nullptr) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  return file_ != nullptr;
}

void MetricsLog::write(const char* event, const EvalPoint& point, const Metrics& metrics,
                       const ClientRegistry& clients, const char* extra_json) {
  if (file_ == nullptr) return;
  const std::string line = metrics_json(event, point, metrics, clients, extra_json);
  std::fprintf(file_, "%s\n", line.c_str());
  std::fflush(file_);
}

}  // namespace fedgate
