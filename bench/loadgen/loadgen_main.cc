// fedgate-loadgen: the coordinator end to end against its transport's ceiling
// (docs/performance.md, "End to end"). For each fleet size and model size it
// runs N synthetic clients with a precomputed gradient against the real
// coordinator, then the same clients with raw frames of the same sizes against
// a bare ROUTER, alternating, and prints medians and their ratio.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/loadgen/fedgate_dialect.h"
#include "bench/loadgen/fleet_processes.h"
#include "bench/loadgen/in_process_coordinator.h"
#include "bench/loadgen/raw_dialect.h"
#include "bench/loadgen/raw_echo_server.h"
#include "bench/loadgen/synthetic_fleet.h"
#include "cli/command_line.h"

namespace {

using namespace fedgate;
using namespace fedgate::loadgen;

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

struct Side {
  std::vector<double> decisions_per_s, updates_per_s, update_bytes_per_s;
  std::vector<double> latency_us;
  uint64_t errors = 0;
  std::string first_error;
  uint64_t applied = 0;  // fedgate only: updates the coordinator applied
  uint64_t sent = 0;     // updates sent over the whole runs
};

void add(Side& side, const FleetResult& result, size_t update_bytes) {
  side.decisions_per_s.push_back(static_cast<double>(result.decisions) / result.seconds);
  side.updates_per_s.push_back(static_cast<double>(result.updates) / result.seconds);
  side.update_bytes_per_s.push_back(static_cast<double>(result.updates * update_bytes) /
                                    result.seconds);
  side.latency_us.insert(side.latency_us.end(), result.offer_to_decision_us.begin(),
                         result.offer_to_decision_us.end());
  side.errors += result.errors;
  if (side.first_error.empty()) side.first_error = result.first_error;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "fedgate-loadgen: offers decided and updates applied per second by the real coordinator,\n"
      "beside raw ZeroMQ ROUTER/DEALER round trips of the same sizes measured in the same run\n"
      "(the transport's ceiling). Clients send a precomputed gradient; nobody trains. Every\n"
      "offer is accepted (accept-all) unless --set says otherwise. Prints medians over\n"
      "--repetitions runs of each side, alternating, and their ratio (docs/performance.md)."};
  std::vector<size_t> clients = {1, 10, 100, 1000};
  std::vector<uint32_t> features = {784};
  std::vector<std::string> settings;
  int repetitions = 3;
  FleetRun plan;
  std::string json_path;
  size_t forced_processes = 0;
  bool fleet_worker = false;
  FleetShare share;
  double worker_timeout_s = 60;
  app.add_option("-n,--clients", clients, "fleet sizes to run (e.g. -n 1 100 10000)");
  app.add_option("-f,--features", features,
                 "softmax inputs per model; d = 10 (f + 1): 784 -> 7,850, 9999 -> 100,000");
  app.add_option("-r,--repetitions", repetitions, "runs of each side per point (median)")
      ->check(CLI::Range(1, 100));
  app.add_option("--seconds", plan.measure_s, "measured window of one run")
      ->check(CLI::Range(0.05, 3600.0));
  app.add_option("--warmup", plan.warmup_s, "seconds after registration before measuring")
      ->check(CLI::Range(0.0, 600.0));
  app.add_option("--register-timeout", plan.register_timeout_s,
                 "seconds every client has to register and receive its first model")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--set", settings,
                 "coordinator setting section.key=value (repeatable), e.g. "
                 "--set acceptance.policy=norm-ratio-simplified");
  app.add_option("--json", json_path, "also write the results as JSON to this file");
  app.add_option("--processes", forced_processes,
                 "processes the clients run in (default: one, or as many as the open-file "
                 "limit needs: 10,000 clients take two)")
      ->check(CLI::Range(1, 64));
  // A worker of a split fleet (fleet_processes.h): started by fedgate-loadgen itself.
  app.add_flag("--fleet-worker", fleet_worker)->group("");
  app.add_option("--fleet-endpoint", share.endpoint)->group("");
  app.add_option("--fleet-first-id", share.first_id)->group("");
  app.add_option("--fleet-timeout", worker_timeout_s)->group("");
  app.add_flag("--fleet-raw", share.raw)->group("");
  add_version_flag(app, "fedgate-loadgen");
  if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;
  if (fleet_worker) {
    share.clients = clients.at(0);
    share.features = features.at(0);
    return fleet_worker_main(share, worker_timeout_s);
  }
  nlohmann::json rows = nlohmann::json::array();
  std::printf("%7s %9s | %12s %12s %6s | %12s %12s %6s | %9s %9s %9s | %s\n", "clients", "d",
              "offers/s", "raw rt/s", "ratio", "updates/s", "raw upd/s", "ratio", "p50 us",
              "p99 us", "raw p50", "errors");
  for (const uint32_t f : features) {
    FedgateDialect fedgate_dialect(f, kClasses, 1);
    // The coordinator's default chunk size; clients ask for no less.
    const uint32_t chunk_floats = kChunkFloats;
    const ExchangeSizes sizes = fedgate_dialect.sizes(chunk_floats);
    RawDialect raw_dialect(sizes);
    for (const size_t n : clients) {
      std::string message;
      const size_t processes =
          forced_processes != 0 ? forced_processes : fleet_processes(n, &message);
      const size_t fleet_here = processes == 1 ? n : 0;
      if (processes == 0 || !ensure_file_limit(files_needed(fleet_here, n), &message)) {
        std::fprintf(stderr, "fedgate-loadgen: %zu clients: %s\n", n, message.c_str());
        return 1;
      }
      auto run_fleet = [&](const std::string& endpoint, bool raw) {
        if (processes == 1) {
          SyntheticFleet fleet(n, raw ? static_cast<FleetDialect&>(raw_dialect)
                                      : static_cast<FleetDialect&>(fedgate_dialect));
          return fleet.run(endpoint, plan);
        }
        return run_fleet_in_processes("/proc/self/exe", FleetShare{endpoint, raw, f, n, 0},
                                      processes, plan);
      };
      Side fedgate_side, raw_side;
      for (int rep = 0; rep < repetitions; ++rep) {
        {
          Result<std::unique_ptr<InProcessCoordinator>> coordinator =
              InProcessCoordinator::start(f, kClasses, settings);
          if (!coordinator.is_ok()) {
            std::fprintf(stderr, "fedgate-loadgen: coordinator: %s\n",
                         coordinator.status().message());
            return 2;
          }
          const FleetResult result = run_fleet((*coordinator)->endpoint(), /*raw=*/false);
          if (!result.registered) {
            std::fprintf(stderr,
                         "fedgate-loadgen: %zu clients did not all register in %.0f s%s%s\n", n,
                         plan.register_timeout_s, result.first_error.empty() ? "" : ": ",
                         result.first_error.c_str());
            return 1;
          }
          add(fedgate_side, result, sizes.update);
          fedgate_side.applied += (*coordinator)->stop();
        }
        {
          RawEchoServer server(sizes, fedgate_dialect.dim(), chunk_floats);
          const std::string endpoint = server.start();
          const FleetResult result = run_fleet(endpoint, /*raw=*/true);
          if (!result.registered) {
            std::fprintf(stderr, "fedgate-loadgen: raw: %zu clients did not all connect\n", n);
            return 1;
          }
          add(raw_side, result, sizes.update);
        }
      }
      const double offers = median(fedgate_side.decisions_per_s);
      const double raw_offers = median(raw_side.decisions_per_s);
      const double updates = median(fedgate_side.updates_per_s);
      const double raw_updates = median(raw_side.updates_per_s);
      const double p50 = percentile(fedgate_side.latency_us, 0.5);
      const double p99 = percentile(fedgate_side.latency_us, 0.99);
      const double raw_p50 = percentile(raw_side.latency_us, 0.5);
      std::printf(
          "%7zu %9u | %12.0f %12.0f %6.2f | %12.0f %12.0f %6.2f | %9.0f %9.0f %9.0f | %llu\n", n,
          fedgate_dialect.dim(), offers, raw_offers, offers / raw_offers, updates, raw_updates,
          updates / raw_updates, p50, p99, raw_p50,
          static_cast<unsigned long long>(fedgate_side.errors));
      if (offers == 0 || raw_offers == 0) {
        // A load that got nothing decided measured nothing (a protocol mismatch).
        std::fprintf(stderr, "fedgate-loadgen: %s decided no offer with %zu clients\n",
                     offers == 0 ? "the coordinator" : "the raw server", n);
        return 1;
      }
      if (fedgate_side.errors != 0) {
        std::fprintf(stderr, "fedgate-loadgen: the coordinator answered with errors, first: %s\n",
                     fedgate_side.first_error.c_str());
      }
      std::fflush(stdout);
      rows.push_back({{"clients", n},
                      {"d", fedgate_dialect.dim()},
                      {"offers_per_s", offers},
                      {"raw_round_trips_per_s", raw_offers},
                      {"updates_per_s", updates},
                      {"raw_updates_per_s", raw_updates},
                      {"update_bytes", sizes.update},
                      {"offer_bytes", sizes.offer},
                      {"p50_us", p50},
                      {"p99_us", p99},
                      {"raw_p50_us", raw_p50},
                      {"errors", fedgate_side.errors},
                      {"applied", fedgate_side.applied}});
    }
  }
  if (!json_path.empty()) std::ofstream(json_path) << rows.dump(2) << "\n";
  return 0;
}
