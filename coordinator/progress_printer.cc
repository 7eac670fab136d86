#include "coordinator/progress_printer.h"

#include <cinttypes>

#include "core/models/model_factory.h"

namespace fedgate {
namespace {

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

double megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

std::string settings_text(const PolicySettings& settings) {
  std::string text;
  for (const auto& [name, value] : settings) {
    char item[64];
    std::snprintf(item, sizeof(item), "%s%s=%g", text.empty() ? "" : ", ", name.c_str(), value);
    text += item;
  }
  return text.empty() ? "no settings" : text;
}

}  // namespace

void ProgressPrinter::on_eval(const EvalPoint& p, const Metrics& m, const ClientRegistry& clients) {
  std::fprintf(out_,
               "[%7.1fs] version %6u  test acc %.4f  loss %.4f  offers %" PRIu64
               " (accepted %.1f%%)  up %.1f MB  down %.1f MB  clients %zu\n",
               p.time_s, p.version, p.accuracy, p.loss, m.offers, percent(m.accepts, m.offers),
               megabytes(m.bytes_up), megabytes(m.bytes_down), clients.active_count());
  if (std::string(evaluation_health(p)) != "ok") {
    std::fprintf(out_, "  health %s: the model's test loss is not a finite number\n",
                 evaluation_health(p));
  }
  std::fflush(out_);
}

void ProgressPrinter::on_stop(const char* reason, const EvalPoint& p, const Metrics& m,
                              const ClientRegistry& clients) {
  if (clients.all().size() > style_.client_table_limit) {
    std::fprintf(out_,
                 "\nstopped: %s\n  final version %u after %.1f %ss, test acc %.4f, loss "
                 "%.6g, offers %" PRIu64 " (accepted %" PRIu64 "), updates %" PRIu64 "\n",
                 reason, p.version, p.time_s, style_.clock, p.accuracy, p.loss, m.offers, m.accepts,
                 m.updates);
    std::fflush(out_);
    return;
  }
  uint64_t stale_sum = 0, stale_max = 0;
  for (const auto& [tau, count] : m.staleness) {
    stale_sum += tau * count;
    if (tau > stale_max) stale_max = tau;
  }
  std::fprintf(out_,
               "\nstopped: %s\n"
               "  final version      %u after %.1f s\n"
               "  test accuracy      %.4f (loss %.4f)\n"
               "  offers             %" PRIu64 ": %" PRIu64 " accepted (%.1f%%), %" PRIu64
               " rejected\n"
               "  updates applied    %" PRIu64 " (staleness mean %.2f, max %" PRIu64
               ")\n"
               "  bytes up / down    %.2f MB / %.2f MB (%" PRIu64 " / %" PRIu64
               " messages)\n"
               "  errors             %" PRIu64
               "\n"
               "  stale offers       %" PRIu64 " (outside the window: sent the current model)\n",
               reason, p.version, p.time_s, p.accuracy, p.loss, m.offers, m.accepts,
               percent(m.accepts, m.offers), m.rejects, m.updates,
               m.updates == 0 ? 0.0 : static_cast<double>(stale_sum) / m.updates, stale_max,
               megabytes(m.bytes_up), megabytes(m.bytes_down), m.messages_up, m.messages_down,
               m.errors, m.stale_offers);
  for (const auto& [id, record] : clients.all()) {
    std::fprintf(
        out_, "  client %-12s offers %6" PRIu64 "  accepted %6" PRIu64 "  applied %6" PRIu64 "\n",
        printable_id(id).c_str(), record.counts.offers, record.counts.accepts,
        record.counts.updates);
  }
  std::fflush(out_);
}

void print_run_description(std::FILE* out, const Coordinator& coordinator,
                           const CoordinatorConfig& config, size_t test_samples) {
  const ModelSpec& spec = config.settings.model;
  std::fprintf(out,
               "  model      %s, %zu parameters (%u features, %u classes), test set %zu samples\n",
               model_kind_name(spec.kind), coordinator.model().dim(), spec.num_features,
               spec.num_classes, test_samples);
  std::fprintf(out, "  acceptance %s (%s)\n", coordinator.acceptance().name(),
               settings_text(coordinator.acceptance().settings()).c_str());
  std::fprintf(out, "  stepsize   %s (%s)\n", coordinator.stepsize().name(),
               settings_text(coordinator.stepsize().settings()).c_str());
  std::fprintf(out, "  clients    trigger %s, compression %s\n",
               config.settings.client_policies.trigger.c_str(),
               config.settings.client_policies.compression.c_str());
  std::fprintf(out, "  staleness  %s (%s)\n", coordinator.staleness().name(),
               settings_text(coordinator.staleness().settings()).c_str());
  std::fprintf(out, "  aggregation %s (%s)\n", coordinator.aggregation().name(),
               settings_text(coordinator.aggregation().settings()).c_str());
  std::fflush(out);
}

}  // namespace fedgate
