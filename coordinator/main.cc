// fedgate-coordinator: the gateway service. See --help and docs/configuration.md.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <CLI/CLI.hpp>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/policy_setup.h"
#include "coordinator/progress_printer.h"
#include "coordinator/zmq_server.h"
#include "core/data/csv_reader.h"
#include "core/data/idx_reader.h"
#include "core/models/model_factory.h"

namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted.store(true); }

int fail(const char* what, const fedgate::Status& status) {
  std::fprintf(stderr, "fedgate-coordinator: %s: %s\n", what, status.message());
  return 2;
}

std::string settings_text(const fedgate::PolicySettings& settings) {
  std::string text;
  for (const auto& [name, value] : settings) {
    char item[64];
    std::snprintf(item, sizeof(item), "%s%s=%g", text.empty() ? "" : ", ", name.c_str(), value);
    text += item;
  }
  return text.empty() ? "no settings" : text;
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
  std::string config_path, bind, metrics_path, endpoint_file;
  std::vector<std::string> overrides;
  double max_seconds = -1, target_accuracy = -1;
  int64_t max_versions = -1, min_clients = -1;
  bool print_config = false, show_policies = false, quiet = false;
  app.add_option("-c,--config", config_path, "TOML configuration file")->check(CLI::ExistingFile);
  app.add_option("--set", overrides,
                 "override a setting: section.key=value (repeatable), e.g. "
                 "--set acceptance.policy=norm-ratio-exact --set stepsize.constant.gamma=0.1");
  app.add_option("--bind", bind, "ZeroMQ endpoint to bind (default tcp://*:5555; "
                                 "tcp://127.0.0.1:* picks a free port)");
  app.add_option("--metrics", metrics_path, "write JSON-lines metrics to this file");
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
  CLI11_PARSE(app, argc, argv);

  if (show_policies) {
    std::printf("%s", policy_list_text().c_str());
    return 0;
  }
  if (!bind.empty()) overrides.push_back("server.bind=\"" + bind + "\"");
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
  if (print_config) {
    std::printf("%s", render_coordinator_config(config).c_str());
    return 0;
  }

  // Test data decides the model's input shape unless the config pins it.
  Result<Dataset> test = !config.test_csv.empty()
                             ? load_csv(config.test_csv, CsvOptions{config.csv_label_column})
                             : load_idx(config.test_images, config.test_labels);
  if (!test.is_ok()) return fail("test data", test.status());
  ModelSpec& spec = config.settings.model;
  if (spec.num_features == 0) spec.num_features = test->num_features;
  if (spec.num_classes == 0) {
    spec.num_classes = spec.kind == ModelKind::kLeastSquares ? 1 : test->num_classes;
  }
  if (spec.num_features != test->num_features) {
    return fail("configuration", Status::error(StatusCode::kInvalidArgument,
                                               "model.num_features = %u but test data has %u",
                                               spec.num_features, test->num_features));
  }
  Result<std::unique_ptr<Model>> model = make_model(spec);
  if (!model.is_ok()) return fail("model", model.status());
  std::vector<float> initial((*model)->dim());
  (*model)->init_params(initial, config.seed);
  GlobalModel global(std::move(initial));

  Result<ServerPolicies> policies = make_server_policies(config, global);
  if (!policies.is_ok()) return fail("policies", policies.status());

  MetricsLog log;
  if (!config.metrics_path.empty() && !log.open(config.metrics_path)) {
    std::fprintf(stderr, "fedgate-coordinator: cannot write metrics to %s: %s\n",
                 config.metrics_path.c_str(), std::strerror(errno));
    return 2;
  }

  Evaluator evaluator(**model, std::move(test).value());
  SteadyClock clock;
  zmq::context_t context(1);
  const size_t model_bytes = global.dim() * sizeof(float);
  // Valid: make_server_policies() checked the client policies already.
  const size_t payload_bytes =
      check_client_policy_settings(config.settings.client_policies, spec, global.dim(),
                                   config.settings.batch_size)
          ->max_payload_bytes;
  std::unique_ptr<ZmqServer> server;
  try {
    // libzmq's own limit sits well above the coordinator's, so an oversized
    // message normally gets an Error reply rather than a dropped connection.
    const size_t largest = std::max<size_t>(
        std::max(model_bytes, payload_bytes) + kMessageOverhead,
        config.settings.max_message_bytes);
    const int64_t transport_limit = static_cast<int64_t>(4 * largest + (1 << 20));
    server = std::make_unique<ZmqServer>(context, config.bind, transport_limit);
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "fedgate-coordinator: cannot bind %s: %s\n", config.bind.c_str(),
                 error.what());
    return 2;
  }
  const std::string endpoint = server->endpoint();
  if (!endpoint_file.empty()) {
    std::ofstream(endpoint_file) << endpoint << "\n";
  }

  ProgressPrinter progress(stdout);
  Coordinator coordinator(config.settings, std::move(global), std::move(policies).value(), &evaluator,
                          clock, *server,
                          config.metrics_path.empty() ? nullptr : &log, quiet ? nullptr : &progress);

  std::printf("fedgate-coordinator listening on %s\n", endpoint.c_str());
  std::printf("  model      %s, %zu parameters (%u features, %u classes), test set %zu samples\n",
              model_kind_name(spec.kind), coordinator.model().dim(), spec.num_features,
              spec.num_classes, evaluator.samples());
  std::printf("  acceptance %s (%s)\n", coordinator.acceptance().name(),
              settings_text(coordinator.acceptance().settings()).c_str());
  std::printf("  stepsize   %s (%s)\n", coordinator.stepsize().name(),
              settings_text(coordinator.stepsize().settings()).c_str());
  std::printf("  clients    trigger %s, compression %s\n",
              config.settings.client_policies.trigger.c_str(),
              config.settings.client_policies.compression.c_str());
  std::printf("  staleness  %s (%s)\n", coordinator.staleness().name(),
              settings_text(coordinator.staleness().settings()).c_str());
  std::printf("  aggregation %s (%s)\n", coordinator.aggregation().name(),
              settings_text(coordinator.aggregation().settings()).c_str());
  std::fflush(stdout);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  coordinator.start();
  try {
    server->attach(coordinator);
    server->run(g_interrupted);
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "fedgate-coordinator: transport failed: %s\n", error.what());
    coordinator.stop("transport failure");
    return 1;
  }
  if (!coordinator.stopped()) {
    coordinator.stop("interrupted");
    g_interrupted.store(false);  // a second signal skips the drain
    server->run(g_interrupted);
  }
  return 0;
}
