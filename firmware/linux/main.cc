// fedgate-client: the ARM Linux (and x86-64) client. It loads its partition of
// the training data, registers with the coordinator, and runs the
// offer/update cycle until the coordinator says Bye. See --help.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/command_line.h"
#include "core/data/csv_reader.h"
#include "core/data/idx_reader.h"
#include "core/data/partition.h"
#include "core/protocol/client_driver.h"
#include "core/protocol/client_session.h"
#include "core/training/local_trainer.h"
#include "curve/curve_key_file.h"
#include "firmware/linux/client_name.h"
#include "firmware/linux/client_summary.h"
#include "firmware/linux/zmq_link.h"

namespace {

volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }

struct Options {
  std::string connect = "tcp://127.0.0.1:5555";
  std::string name;
  std::string data_dir = fedgate::kFashionMnistDir;
  std::string images, labels, csv;
  int csv_label_column = 0;
  std::string partition = "iid";
  uint32_t clients = 1;
  uint32_t index = 0;
  uint64_t partition_seed = 1;
  double alpha = 0.5;
  uint64_t seed = 0;  // 0: derived from the index
  uint32_t max_model_dim = 1u << 22;
  double give_up_after = 0;
  double data_wait = 0;
  bool quiet = false;
  // CURVE (docs/security.md): the coordinator's public key file and our key pair file.
  std::string curve_server_key;
  std::string curve_key_file;
};

// The CURVE keys the options name; empty server key: NULL mechanism.
fedgate::Result<fedgate::CurveClientKeys> load_curve_keys(const Options& o) {
  using namespace fedgate;
  CurveClientKeys keys;
  if (o.curve_server_key.empty() && o.curve_key_file.empty()) return keys;
  if (o.curve_server_key.empty() || o.curve_key_file.empty()) {
    return Status::error(StatusCode::kInvalidArgument,
                         "--%s is set but --%s is not: CURVE needs both",
                         o.curve_server_key.empty() ? "curve-key-file" : "curve-server-key",
                         o.curve_server_key.empty() ? "curve-server-key" : "curve-key-file");
  }
  FG_ASSIGN_OR_RETURN(keys.server_public_key, read_curve_public_key(o.curve_server_key));
  FG_ASSIGN_OR_RETURN(CurveKeyPair pair, read_curve_key_pair(o.curve_key_file));
  keys.public_key = pair.public_key;
  keys.secret_key = pair.secret_key;
  return keys;
}

fedgate::Result<fedgate::Dataset> load_training_data(const Options& o) {
  using namespace fedgate;
  if (!o.csv.empty()) return load_csv(o.csv, CsvOptions{o.csv_label_column});
  if (!o.images.empty() || !o.labels.empty()) return load_idx(o.images, o.labels);
  const IdxPaths paths = fashion_mnist_paths(o.data_dir, /*train=*/true);
  return load_idx(paths.images, paths.labels);
}

const std::string& data_source(const Options& o) {
  if (!o.csv.empty()) return o.csv;
  return o.images.empty() ? o.data_dir : o.images;
}

// Loads the data; a missing file (not yet copied, a mount not up) is retried
// with backoff for up to --data-wait seconds.
fedgate::Result<fedgate::Dataset> load_training_data_patiently(const Options& o) {
  using namespace fedgate;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(o.data_wait);
  int delay_s = 1;
  for (;;) {
    Result<Dataset> data = load_training_data(o);
    if (data.is_ok() || data.status().code() != StatusCode::kNotFound ||
        std::chrono::steady_clock::now() + std::chrono::seconds(delay_s) > deadline) {
      return data;
    }
    std::fprintf(stderr,
                 "fedgate-client: training data in %s not there yet (%s); retrying in %d s\n",
                 data_source(o).c_str(), data.status().message(), delay_s);
    for (int i = 0; i < delay_s * 10 && !g_interrupted; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (g_interrupted) return data;
    delay_s = std::min(delay_s * 2, 60);
  }
}

// Milliseconds since the client started, for the driver's silence timers.
class SteadyClock final : public fedgate::DriverClock {
 public:
  uint32_t now_ms() override {
    return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start_)
                                     .count());
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The client's progress lines about the coordinator going silent and coming back.
class ConsoleObserver final : public fedgate::DriverObserver {
 public:
  explicit ConsoleObserver(const Options& o) : o_(o) {}
  void on_message_arrived(uint32_t silences_before) override {
    if (silences_before > 0 && !o_.quiet) {
      std::printf("%s: coordinator answered again\n", o_.name.c_str());
    }
  }
  void on_silence(const fedgate::SilenceEvent& event) override {
    if (o_.quiet) return;
    std::fprintf(stderr, "%s: %s %s for %.1f s; %s again (attempt %u)\n", o_.name.c_str(),
                 event.unsent ? "cannot connect to" : "no answer from", o_.connect.c_str(),
                 event.silent_ms / 1000.0,
                 event.rehandshake ? "reconnecting and registering" : "registering", event.attempt);
  }

 private:
  const Options& o_;
};

// Runs the session until it ends; returns the process exit status.
int run_session(fedgate::ClientSession& session, fedgate::ZmqLink& link, const Options& o) {
  using namespace fedgate;
  SteadyClock clock;
  ConsoleObserver observer(o);
  // Back off while the coordinator stays silent: 1x, 2x, 4x ... up to 30 s. A
  // message that found no connection yet (the TCP connect is still under way at
  // start-up) is retried quickly and quietly for one silence period.
  DriverOptions options = reconnecting_link_options();
  options.give_up_after_ms = static_cast<uint32_t>(o.give_up_after * 1000);
  ClientDriver driver(session, link, clock, options, &observer);
  const DriverOutcome outcome =
      driver.start().is_ok() ? driver.run(&g_interrupted) : driver.outcome();
  switch (outcome) {
    case DriverOutcome::kRefused:
      std::fprintf(stderr, "fedgate-client: %s\n", session.final_message());
      return 4;
    case DriverOutcome::kGaveUp:
      std::fprintf(stderr, "fedgate-client: no answer from %s for %.0f s, giving up\n",
                   o.connect.c_str(), driver.silent_ms() / 1000.0);
      return 3;
    case DriverOutcome::kError:
      std::fprintf(stderr, "fedgate-client: %s\n", driver.error().message());
      return 1;
    default: return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fedgate;
  // Under systemd stdout is a pipe to the journal: line-buffer it, or the
  // progress lines appear only when the buffer fills or the client exits.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  CLI::App app{
      "fedgate-client: computes minibatch gradients on its share of the data and offers\n"
      "their norms to a fedgate coordinator; uploads a gradient only when the offer is\n"
      "accepted. Runs until the coordinator says Bye. Options may also come from a\n"
      "config file (--config) of 'option = value' lines."};
  app.set_config("--config", "", "read options from this TOML file");
  app.add_option("--connect", o.connect, "coordinator endpoint")->capture_default_str();
  app.add_option("--name", o.name,
                 "client name, the coordinator's id for it (default <hostname>-<machine "
                 "id>-<index>, unique per board; with CURVE the public key is the id)");
  app.add_option("--data-dir", o.data_dir,
                 "directory with train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz")
      ->capture_default_str();
  app.add_option("--images", o.images, "IDX images file (instead of --data-dir)");
  app.add_option("--labels", o.labels, "IDX labels file (with --images)");
  app.add_option("--csv", o.csv, "CSV training data (instead of IDX)");
  app.add_option("--csv-label-column", o.csv_label_column,
                 "label column of --csv (negative counts from the end)")
      ->capture_default_str();
  app.add_option("--partition", o.partition, "how the data is split: iid, shards, dirichlet")
      ->capture_default_str();
  app.add_option("--clients", o.clients, "number of clients the data is split across")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--index", o.index, "this client's share, 0 .. clients-1")->capture_default_str();
  app.add_option("--partition-seed", o.partition_seed, "seed of the split (same on every client)")
      ->capture_default_str();
  app.add_option("--alpha", o.alpha, "Dirichlet concentration for --partition dirichlet")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "minibatch seed (default: derived from --index)");
  app.add_option("--max-model-dim", o.max_model_dim, "largest model this client accepts")
      ->capture_default_str();
  app.add_option("--give-up-after", o.give_up_after,
                 "exit with status 3 after this many seconds without an answer (0 = never)")
      ->capture_default_str();
  app.add_option("--data-wait", o.data_wait,
                 "keep retrying a missing data file for this many seconds, backing off "
                 "from 1 s to 60 s (0 = exit at once with status 2)")
      ->capture_default_str();
  app.add_flag("-q,--quiet", o.quiet, "print only the final summary");
  app.add_option("--curve-server-key", o.curve_server_key,
                 "CURVE: the coordinator's public key file (its .pub from fedgate-keygen); with "
                 "--curve-key-file, encrypts the link and authenticates this client "
                 "(docs/security.md)");
  app.add_option("--curve-key-file", o.curve_key_file,
                 "CURVE: this client's key pair file (a .key from fedgate-keygen; its .pub goes "
                 "on the coordinator's allow-list)");
  // A misspelt key in /etc/fedgate/client.toml must not be ignored silently.
  app.allow_config_extras(CLI::config_extras_mode::error);
  add_version_flag(app, "fedgate-client");
  const int parsed = parse_command_line(app, argc, argv);
  if (parsed >= 0) return parsed;

  if (o.index >= o.clients) {
    std::fprintf(stderr, "fedgate-client: --index %u must be below --clients %u\n", o.index,
                 o.clients);
    return 2;
  }
  if (o.name.empty()) o.name = default_client_name(o.index);
  Result<CurveClientKeys> curve = load_curve_keys(o);
  if (!curve.is_ok()) {
    std::fprintf(stderr, "fedgate-client: %s\n", curve.status().message());
    return 2;
  }
  if (o.seed == 0) o.seed = 1000 + o.index;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  Result<Dataset> data = load_training_data_patiently(o);
  if (!data.is_ok()) {
    std::fprintf(stderr, "fedgate-client: cannot load training data from %s: %s\n",
                 data_source(o).c_str(), data.status().message());
    return 2;
  }
  Result<PartitionScheme> scheme = parse_partition_scheme(o.partition);
  if (!scheme.is_ok()) {
    std::fprintf(stderr, "fedgate-client: %s\n", scheme.status().message());
    return 2;
  }
  PartitionSpec spec;
  spec.scheme = *scheme;
  spec.num_clients = o.clients;
  spec.seed = o.partition_seed;
  spec.dirichlet_alpha = o.alpha;
  auto parts = partition(*data, spec);
  if (!parts.is_ok()) {
    std::fprintf(stderr, "fedgate-client: cannot partition the data: %s\n",
                 parts.status().message());
    return 2;
  }
  LocalTrainer trainer(*data, std::move((*parts)[o.index]), o.seed);
  if (!o.quiet) {
    std::printf("%s: %zu of %zu samples (%s split), connecting to %s\n", o.name.c_str(),
                trainer.samples(), data->size(), o.partition.c_str(), o.connect.c_str());
    std::fflush(stdout);
  }

  // Buffers for the largest model this client takes; pages are touched only as
  // far as the real model reaches.
  const size_t capacity = o.max_model_dim;
  std::unique_ptr<float[]> model(new float[capacity]);
  std::unique_ptr<float[]> gradient(new float[capacity]);
  // Room for a top-k update of every value (4-byte value + 4-byte index).
  const size_t arena_bytes = 2 * capacity * sizeof(float) + kMessageOverhead;
  std::unique_ptr<uint8_t[]> arena(new uint8_t[arena_bytes]);
  // State of whichever trigger and compression the coordinator configures.
  std::unique_ptr<float[]> policy_floats(new float[client_policy_floats(capacity)]);
  std::unique_ptr<uint32_t[]> policy_indices(new uint32_t[client_policy_indices(capacity)]);
  const int64_t max_receive = static_cast<int64_t>(arena_bytes);

  zmq::context_t context(1);
  std::unique_ptr<ZmqLink> link;
  try {
    // No routing id of our own: the Hello's name (or the CURVE key) is what counts.
    link = std::make_unique<ZmqLink>(context, o.connect, "", max_receive, *curve);
  } catch (const zmq::error_t& error) {
    std::fprintf(stderr, "fedgate-client: cannot connect to '%s': %s\n", o.connect.c_str(),
                 error.what());
    return 2;
  }
  ClientIdentity identity;
  identity.device_class = wire::DeviceClass::Linux;
  identity.name = o.name.c_str();
  identity.max_message_bytes = static_cast<uint32_t>(arena_bytes);
  ClientSession session(
      identity, Span<float>(model.get(), capacity), Span<float>(gradient.get(), capacity),
      Span<uint8_t>(arena.get(), arena_bytes), trainer, *link,
      ClientPolicyMemory{Span<float>(policy_floats.get(), client_policy_floats(capacity)),
                         Span<uint32_t>(policy_indices.get(), client_policy_indices(capacity))});

  int exit_code = run_session(session, *link, o);
  if (g_interrupted && !session.done()) {
    // Tell the coordinator we are leaving so it stops counting us.
    MessageWriter writer(Span<uint8_t>(arena.get(), arena_bytes));
    auto bye = writer.bye(0, wire::ByeReason::ClientExit, "interrupted");
    if (bye.is_ok()) (void)link->send(*bye);
  }
  if (!o.quiet && session.state() == ClientSession::State::kFinished) {
    std::printf("%s: coordinator said bye: %s\n", o.name.c_str(), session.final_message());
  }
  std::printf("%s\n", client_summary_json(o.name, session, exit_code).c_str());
  std::fflush(stdout);
  return exit_code;
}
