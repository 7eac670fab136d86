// fedgate-coordinator: the gateway service. See --help and docs/configuration.md.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "cli/command_line.h"
#include "coordinator/checkpointer.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/http/http_monitor.h"
#include "coordinator/logging.h"
#include "coordinator/policy_catalog.h"
#include "coordinator/run_builder.h"
#include "coordinator/zmq_server.h"

namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted.store(true); }

int fail(const char* what, const fedgate::Status& status) {
  spdlog::error("{}: {}", what, status.message());
  return 2;
}

// Binds the run's endpoint and serves clients until the coordinator stops or a
// signal comes; returns the exit status.
int serve(fedgate::CoordinatorRun& run, const std::string& endpoint_file,
          const std::string& http_address_file) {
  using namespace fedgate;
  zmq::context_t context(1);
  std::unique_ptr<ZmqServer> server;
  const CoordinatorConfig& config = run.config();
  Result<TransportSecurity> security = load_transport_security(
      config.curve_secret_key_file, config.curve_authorized_keys, config.settings.heartbeat_ms);
  if (!security.is_ok()) return fail("configuration", security.status());
  try {
    // libzmq's own limit sits well above the coordinator's, so an oversized
    // message normally gets an Error reply rather than a dropped connection.
    const int64_t transport_limit =
        static_cast<int64_t>(4 * run.largest_message_bytes() + (1 << 20));
    server = std::make_unique<ZmqServer>(context, run.config().bind, transport_limit, *security);
    const CoordinatorSettings& settings = run.config().settings;
    server->limit(send_hwm_for(settings.limits, run.dim(), settings.chunk_floats),
                  max_pending_bytes_for(settings.limits, transport_limit),
                  settings.limits.max_name_bytes);
  } catch (const zmq::error_t& error) {
    spdlog::error("cannot bind {}: {}", run.config().bind, error.what());
    return 2;
  }
  const std::string endpoint = server->endpoint();
  if (!endpoint_file.empty()) {
    std::ofstream(endpoint_file) << endpoint << "\n";
  }

  SteadyClock clock;
  Coordinator& coordinator = run.make_coordinator(clock, *server);
  // The run's own lines go with the progress lines (into the run directory's
  // log too); --quiet without a run directory still prints them.
  std::FILE* out = run.output() != nullptr ? run.output() : stdout;
  std::fprintf(out, "fedgate-coordinator listening on %s\n", endpoint.c_str());
  print_run_description(out, coordinator, run.config(), run.evaluator().samples());
  std::unique_ptr<HttpMonitor> monitor;  // server.http (docs/monitoring.md)
  if (!run.config().http.empty()) {
    Result<std::unique_ptr<HttpMonitor>> started =
        HttpMonitor::start(run.config(), clock, coordinator);
    if (!started.is_ok()) return fail("http", started.status());
    monitor = std::move(started).value();
    std::fprintf(out, "http listening on %s\n", monitor->url().c_str());
    if (!http_address_file.empty()) std::ofstream(http_address_file) << monitor->url() << "\n";
    server->set_loop_hook([&monitor] { monitor->publish_if_due(); });
  }

  // With a run directory: resume from its newest good checkpoint, and write
  // them as the run goes and on the way out (docs/run-directory.md).
  std::unique_ptr<Checkpointer> checkpointer;
  if (run.directory() != nullptr) {
    checkpointer = std::make_unique<Checkpointer>(run.directory()->path(),
                                                  run.checkpoint_schedule(), clock, out);
    Result<bool> resumed = checkpointer->resume(coordinator);
    if (!resumed.is_ok()) return fail("resume", resumed.status());
    coordinator.set_step_hook([&] { checkpointer->maybe_save(coordinator); });
  }
  const auto save_last_checkpoint = [&] {
    if (checkpointer == nullptr) return;
    Status saved = checkpointer->save(coordinator);
    if (saved.is_ok()) {
      std::fprintf(out, "checkpoint %s at version %u\n", checkpointer->last_path().c_str(),
                   coordinator.model().version());
    } else {
      spdlog::error("checkpoint not written: {}", saved.message());
    }
  };

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  coordinator.start();
  try {
    server->attach(coordinator);
    server->run(g_interrupted);
  } catch (const zmq::error_t& error) {
    spdlog::error("transport failed: {}", error.what());
    save_last_checkpoint();
    coordinator.stop("transport failure");
    return 1;
  }
  // Before the drain, so that a second signal cannot lose it.
  save_last_checkpoint();
  if (!coordinator.stopped()) {
    spdlog::info("interrupted: stopping the run");
    coordinator.stop("interrupted");
    g_interrupted.store(false);  // a second signal skips the drain
    server->run(g_interrupted);
  }
  const TransportSecurityCounts refused = server->security_counts();
  std::fprintf(out,
               "peers: curve=%s allowed=%llu refused_keys=%llu failed_handshakes=%llu "
               "duplicates=%llu\n",
               security->curve ? "on" : "off",
               static_cast<unsigned long long>(refused.curve_allowed),
               static_cast<unsigned long long>(refused.curve_refused),
               static_cast<unsigned long long>(refused.failed_handshakes),
               static_cast<unsigned long long>(refused.duplicates));
  if (run.directory() != nullptr) {
    std::fprintf(out, "model: %s (best evaluated: %s)\n", run.directory()->model_path().c_str(),
                 run.directory()->best_model_path().c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fedgate;
  CLI::App app{
      "fedgate-coordinator: asynchronous federated SGD with norm-gated acceptance.\n"
      "Clients offer the norm of each gradient; the coordinator accepts or rejects the\n"
      "offer, applies accepted gradients to the global model, and evaluates it on the\n"
      "test set. Settings come from a TOML file (--config) and --set overrides;\n"
      "docs/configuration.md lists every key."};
  std::string config_path, bind, metrics_path, endpoint_file, run_dir, log_level, http,
      http_address_file;
  std::vector<std::string> overrides;
  double max_seconds = -1, target_accuracy = -1;
  int64_t max_versions = -1, min_clients = -1;
  bool print_config = false, show_policies = false, quiet = false;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--set", overrides,
                 "override a setting: section.key=value (repeatable), e.g. "
                 "--set acceptance.policy=norm-ratio-exact --set stepsize.constant.gamma=0.1");
  app.add_option("--bind", bind,
                 "ZeroMQ endpoint to bind (default tcp://*:5555; "
                 "tcp://127.0.0.1:* picks a free port)");
  app.add_option("--http", http,
                 "serve /metrics (Prometheus), /api/status and a live dashboard on HOST:PORT, "
                 "e.g. 127.0.0.1:9464 (port 0 picks a free one); docs/monitoring.md");
  app.add_option("--http-address-file", http_address_file,
                 "write the dashboard's URL (with the chosen port) to this file");
  app.add_option("--run-dir", run_dir,
                 "write everything the run produces here (config, metrics, log, "
                 "model.safetensors); created if missing");
  app.add_option(
      "--metrics", metrics_path,
      "write JSON-lines metrics to this file (default with --run-dir: DIR/metrics.jsonl)");
  app.add_option("--max-versions", max_versions, "stop after this many applied updates");
  app.add_option("--max-seconds", max_seconds, "stop after this many seconds");
  app.add_option("--target-accuracy", target_accuracy, "stop when test accuracy reaches this");
  app.add_option("--min-clients", min_clients,
                 "send the first model only once this many clients have registered");
  app.add_option("--endpoint-file", endpoint_file,
                 "write the bound endpoint (with the chosen port) to this file");
  app.add_flag("--print-config", print_config, "print the effective configuration and exit");
  app.add_flag("--list-policies", show_policies, "list every policy family and exit");
  app.add_flag("-q,--quiet", quiet, "no progress lines");
  app.add_option("--log-level", log_level,
                 std::string("log lines on stderr (and in the run directory's coordinator.log) "
                             "from this level up: ") +
                     kLogLevelNames + " (default info; config run.log_level)");
  add_version_flag(app, "fedgate-coordinator");
  if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;

  // The command line's level (or the default) until the configuration is read.
  if (const Status started = start_logging(log_level.empty() ? kDefaultLogLevel : log_level);
      !started.is_ok()) {
    std::fprintf(stderr, "fedgate-coordinator: --log-level: %s\n", started.message());
    return 2;
  }
  if (!log_level.empty()) overrides.push_back("run.log_level=\"" + log_level + "\"");
  if (show_policies) {
    std::printf("%s", policy_list_text().c_str());
    return 0;
  }
  if (!bind.empty()) overrides.push_back("server.bind=\"" + bind + "\"");
  if (!http.empty()) overrides.push_back("server.http=\"" + http + "\"");
  if (!run_dir.empty()) overrides.push_back("run.dir=\"" + run_dir + "\"");
  if (!metrics_path.empty()) overrides.push_back("run.metrics=\"" + metrics_path + "\"");
  if (max_versions >= 0) overrides.push_back("run.max_versions=" + std::to_string(max_versions));
  if (min_clients >= 0) overrides.push_back("run.min_clients=" + std::to_string(min_clients));
  if (max_seconds >= 0) overrides.push_back("run.max_seconds=" + std::to_string(max_seconds));
  if (target_accuracy >= 0) {
    overrides.push_back("run.target_accuracy=" + std::to_string(target_accuracy));
  }

  Result<CoordinatorConfig> loaded = load_coordinator_config(config_path, overrides);
  if (!loaded.is_ok()) return fail("configuration", loaded.status());
  CoordinatorConfig config = std::move(loaded).value();
  (void)start_logging(config.log_level);  // checked with the configuration
  if (print_config) {
    std::printf("%s", render_coordinator_config(config).c_str());
    return 0;
  }

  Result<Dataset> test = load_test_data(config);
  if (!test.is_ok()) return fail("test data", test.status());
  RunOutputs outputs;
  outputs.progress = quiet ? nullptr : stdout;
  Result<std::unique_ptr<CoordinatorRun>> built =
      CoordinatorRun::build(std::move(config), std::move(test).value(), outputs);
  if (!built.is_ok()) return fail("setup", built.status());
  return serve(**built, endpoint_file, http_address_file);
}
