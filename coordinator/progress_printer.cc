#include "coordinator/progress_printer.h"

#include <cinttypes>

namespace fedgate {
namespace {

double percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

double megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

void ProgressPrinter::on_eval(const EvalPoint& p, const Metrics& m,
                              const ClientRegistry& clients) {
  std::fprintf(out_,
               "[%7.1fs] version %6u  test acc %.4f  loss %.4f  offers %" PRIu64
               " (accepted %.1f%%)  up %.1f MB  down %.1f MB  clients %zu\n",
               p.time_s, p.version, p.accuracy, p.loss, m.offers, percent(m.accepts, m.offers),
               megabytes(m.bytes_up), megabytes(m.bytes_down), clients.active_count());
  std::fflush(out_);
}

void ProgressPrinter::on_stop(const char* reason, const EvalPoint& p, const Metrics& m,
                              const ClientRegistry& clients) {
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
               "  updates applied    %" PRIu64 " (staleness mean %.2f, max %" PRIu64 ")\n"
               "  bytes up / down    %.2f MB / %.2f MB (%" PRIu64 " / %" PRIu64 " messages)\n"
               "  errors             %" PRIu64 "\n",
               reason, p.version, p.time_s, p.accuracy, p.loss, m.offers, m.accepts,
               percent(m.accepts, m.offers), m.rejects, m.updates,
               m.updates == 0 ? 0.0 : static_cast<double>(stale_sum) / m.updates, stale_max,
               megabytes(m.bytes_up), megabytes(m.bytes_down), m.messages_up, m.messages_down,
               m.errors);
  for (const auto& [id, record] : clients.all()) {
    std::fprintf(out_, "  client %-12s offers %6" PRIu64 "  accepted %6" PRIu64 "  applied %6" PRIu64 "\n",
                 id.c_str(), record.counts.offers, record.counts.accepts, record.counts.updates);
  }
  std::fflush(out_);
}

}  // namespace fedgate
