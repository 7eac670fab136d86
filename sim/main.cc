// fedgate-sim: thousands of virtual clients against the real coordinator, in
// virtual time. See --help and docs/simulator.md.
#include <cstdio>

#include "cli/command_line.h"
#include "coordinator/policy_setup.h"
#include "sim/simulator.h"

namespace {

int fail(const char* what, const fedgate::Status& status) {
  std::fprintf(stderr, "fedgate-sim: %s: %s\n", what, status.message());
  return 2;
}

const char* kDescription =
    "fedgate-sim: a discrete-event simulation of a fedgate federation.\n"
    "\n"
    "The coordinator is the real one (the same policies, chosen by the same config keys as\n"
    "fedgate-coordinator) running on a virtual clock; every virtual client is the real\n"
    "client session computing real gradients over its share of one in-memory dataset.\n"
    "Time is virtual: each client takes its compute model's time per gradient and every\n"
    "message pays its link's latency + bytes / bandwidth. The same seed gives the same\n"
    "metrics file.\n"
    "\n"
    "The config is a coordinator TOML file plus a [sim] section, e.g.\n"
    "  [sim]\n"
    "  clients = 100            # virtual clients, >= 1\n"
    "  seed = 1                 # data split, minibatches, random compute times\n"
    "  dataset = \"fashion-mnist\" # or \"idx\" (sim.train_images/train_labels), \"quadratic\"\n"
    "  partition = \"dirichlet\"  # iid | shards | dirichlet | full (everyone samples all data)\n"
    "  dirichlet_alpha = 0.3\n"
    "  max_virtual_seconds = 600 # stop the run at this virtual time (0 = off)\n"
    "  threads = 0              # threads for the clients (0 = one per core; same metrics)\n"
    "  [sim.compute]\n"
    "  model = \"sqrt\"           # fixed | sqrt | exponential | straggler | mix\n"
    "  base_ms = 100            # per-gradient time (sqrt: h_i = sqrt(i) * base)\n"
    "  [sim.link]\n"
    "  latency_ms = 5\n"
    "  up_mbit_s = 10           # 0 = unlimited\n"
    "  down_mbit_s = 50\n"
    "The run stops when the coordinator does ([run] max_versions, target_accuracy,\n"
    "max_seconds, all in virtual time) or at sim.max_virtual_seconds.\n"
    "docs/simulator.md describes every key and the timing model.";

}  // namespace

int main(int argc, char** argv) {
  using namespace fedgate;
  CLI::App app{kDescription};
  std::string config_path, metrics_path;
  std::vector<std::string> overrides;
  int64_t clients = -1, seed = -1, max_versions = -1;
  bool quiet = false, show_policies = false;
  app.add_option("-c,--config", config_path, "TOML configuration: the coordinator's keys + [sim]")
      ->check(CLI::ExistingFile);
  app.add_option("--set", overrides,
                 "override a setting: section.key=value (repeatable), e.g. --set sim.clients=1000 "
                 "--set acceptance.policy=norm-ratio-exact --set sim.compute.model=mix");
  app.add_option("--metrics", metrics_path,
                 "write the coordinator's JSON-lines metrics (virtual time) and the sim summary "
                 "lines to this file");
  app.add_option("--clients", clients, "number of virtual clients (same as --set sim.clients=N)");
  app.add_option("--seed", seed, "simulation seed (same as --set sim.seed=N)");
  app.add_option("--max-versions", max_versions, "stop after this many applied updates");
  app.add_flag("--list-policies", show_policies, "list every policy family and exit");
  app.add_flag("-q,--quiet", quiet, "no progress lines on stderr");
  add_version_flag(app, "fedgate-sim");
  if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;

  if (show_policies) {
    // One line per policy, "family name summary (settings)": bench/report reads it.
    for (const auto& family : policy_families()) {
      for (const auto& info : family.infos) {
        std::printf("%-11s %-24s %s (%s)\n", family.family, info.name, info.summary, info.params);
      }
    }
    return 0;
  }
  if (!metrics_path.empty()) overrides.push_back("run.metrics=\"" + metrics_path + "\"");
  if (clients >= 0) overrides.push_back("sim.clients=" + std::to_string(clients));
  if (seed >= 0) overrides.push_back("sim.seed=" + std::to_string(seed));
  if (max_versions >= 0) overrides.push_back("run.max_versions=" + std::to_string(max_versions));

  Result<sim::SimConfig> config = sim::load_sim_config(config_path, overrides);
  if (!config.is_ok()) return fail("configuration", config.status());
  Result<sim::SimData> data = sim::load_sim_data(*config);
  if (!data.is_ok()) return fail("data", data.status());
  std::FILE* progress = quiet ? nullptr : stderr;
  if (progress != nullptr) {
    const sim::SimSettings& s = config->sim;
    std::fprintf(progress,
                 "fedgate-sim: %u clients, %zu training samples, compute %s (base %.3g ms), "
                 "acceptance %s, stepsize %s\n",
                 s.clients, data->train.size(), sim::compute_kind_name(s.compute.kind),
                 s.compute.base_ms, config->coordinator.acceptance.c_str(),
                 config->coordinator.stepsize.c_str());
  }
  Result<std::unique_ptr<sim::Simulator>> simulator =
      sim::Simulator::create(*config, std::move(data).value(), progress);
  if (!simulator.is_ok()) return fail("setup", simulator.status());
  Result<sim::SimReport> report = (*simulator)->run();
  if (!report.is_ok()) return fail("run", report.status());
  const sim::SimReport& r = *report;
  std::fprintf(stderr,
               "fedgate-sim: %s; %u clients, version %u, accuracy %.4f, loss %.6g%s\n"
               "  virtual %.1f s, wall %.2f s, %.0f updates/s (%llu updates, %llu gradients, "
               "%llu events), peak RSS %.0f MB\n",
               r.stop_reason.c_str(), r.clients, r.final_version, r.final_accuracy, r.final_loss,
               r.has_f_star ? (" (F* " + std::to_string(r.f_star) + ")").c_str() : "", r.virtual_s,
               r.wall_s, r.updates_per_wall_s, static_cast<unsigned long long>(r.updates),
               static_cast<unsigned long long>(r.gradients),
               static_cast<unsigned long long>(r.events), r.peak_rss_mb);
  return 0;
}
