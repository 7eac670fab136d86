#include "sim/simulator.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/idx_reader.h"
#include "core/data/partition.h"
#include "sim/quadratic.h"

namespace fedgate {
namespace sim {
namespace {

using Json = nlohmann::ordered_json;  // keys in the order written: "event" first

}  // namespace

// Stable, so parts with equal means keep the partition's order.
void order_parts_by_label(const Dataset& data, std::vector<std::vector<uint32_t>>* parts) {
  std::vector<std::pair<double, size_t>> keys;
  keys.reserve(parts->size());
  for (size_t p = 0; p < parts->size(); ++p) {
    double sum = 0;
    for (uint32_t i : (*parts)[p]) sum += data.labels[i];
    keys.push_back({(*parts)[p].empty() ? 0.0 : sum / (*parts)[p].size(), p});
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::vector<uint32_t>> ordered;
  ordered.reserve(keys.size());
  for (const auto& key : keys) ordered.push_back(std::move((*parts)[key.second]));
  *parts = std::move(ordered);
}

double peak_rss_mb() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

Result<SimData> load_sim_data(const SimConfig& config) {
  SimData data;
  const SimSettings& s = config.sim;
  if (s.dataset == DatasetKind::kQuadratic) {
    if (config.coordinator.settings.model.kind != ModelKind::kLeastSquares) {
      return Status::error(StatusCode::kInvalidArgument,
                           "sim.dataset = \"quadratic\" needs model.kind = \"least-squares\"");
    }
    data.train = make_quadratic_dataset(s.quadratic, s.seed);
    data.test = data.train;
    data.f_star = least_squares_optimum(data.train, config.coordinator.settings.model.bias);
    data.has_f_star = true;
    return data;
  }
  Result<Dataset> train = load_idx(s.train_images, s.train_labels);
  if (!train.is_ok()) {
    return Status::error(train.status().code(), "training data (sim.train_images): %s",
                         train.status().message());
  }
  data.train = std::move(train).value();
  const CoordinatorConfig& c = config.coordinator;
  Result<Dataset> test = load_idx(c.test_images, c.test_labels);
  if (!test.is_ok()) {
    return Status::error(test.status().code(), "test data (data.test_images): %s",
                         test.status().message());
  }
  data.test = std::move(test).value();
  return data;
}

struct Simulator::VirtualClient : public Outbox {
  // state_floats, state_indices: what the configured trigger and compression
  // keep per client (error-feedback residual, last gradient, ...). The model,
  // the gradient and the transmit arena are the workspace's, shared by clients.
  VirtualClient(Simulator& owner_sim, ClientWorkspace& client_workspace, uint32_t client_index,
                std::string client_id, std::vector<uint32_t> indices, uint64_t seed,
                size_t state_floats, size_t state_indices)
      : owner(owner_sim),
        workspace(client_workspace),
        index(client_index),
        id(std::move(client_id)),
        policy_floats(state_floats),
        policy_indices(state_indices),
        trainer(client_workspace.training(), std::move(indices), seed, owner_sim.compute_,
                client_index),
        session(identity(), client_workspace.model(), client_workspace.gradient(),
                client_workspace.tx_arena(), trainer, *this,
                ClientPolicyMemory{Span<float>(policy_floats.data(), policy_floats.size()),
                                   Span<uint32_t>(policy_indices.data(), policy_indices.size())}),
        up(owner_sim.config_.sim.link.latency_ms, owner_sim.config_.sim.link.up_mbit_s),
        down(owner_sim.config_.sim.link.latency_ms, owner_sim.config_.sim.link.down_mbit_s) {}

  ClientIdentity identity() const {
    ClientIdentity who;
    who.device_class = wire::DeviceClass::Linux;
    who.name = id.c_str();
    return who;
  }
  Status send(Span<const uint8_t> bytes) override {
    owner.client_sends(index, bytes);
    return Status::ok();
  }

  Simulator& owner;
  ClientWorkspace& workspace;
  uint32_t index;
  std::string id;
  std::vector<float> policy_floats;
  std::vector<uint32_t> policy_indices;
  ClientMemory memory;
  SimTrainer trainer;
  ClientSession session;
  Link up;
  Link down;
  int64_t busy_until_us = 0;
  int64_t handler_start_us = 0;     // when the message being handled was taken up
  HandlerOutput* output = nullptr;  // where its sends wait, while a handler runs
  std::vector<Delivery*> pending;   // deliveries again within the window, in order
};

class Simulator::ServerLink : public ServerOutbox {
 public:
  explicit ServerLink(Simulator& sim) : sim_(sim) {}
  void send(const std::string& client, Span<const uint8_t> bytes) override {
    sim_.server_sends(client, bytes);
  }

 private:
  Simulator& sim_;
};

Simulator::Simulator(const SimConfig& config, SimData data, std::FILE* progress)
    : config_(config),
      data_(std::move(data)),
      progress_(progress),
      compute_(config.sim.compute, config.sim.clients) {}

Simulator::~Simulator() = default;

Result<std::unique_ptr<Simulator>> Simulator::create(const SimConfig& config, SimData data,
                                                     std::FILE* progress) {
  std::unique_ptr<Simulator> sim(new Simulator(config, std::move(data), progress));
  FG_TRY(sim->build());
  return sim;
}

Status Simulator::build() {
  const CoordinatorConfig& c = config_.coordinator;
  const SimSettings& s = config_.sim;
  if (data_.train.size() == 0) {
    return Status::error(StatusCode::kInvalidArgument, "the training data is empty");
  }
  if (!s.full_data && s.clients > data_.train.size()) {
    return Status::error(StatusCode::kInvalidArgument,
                         "sim.clients = %u but the training set has only %zu samples; allowed "
                         "[1, %zu] (or sim.partition = \"full\")",
                         s.clients, data_.train.size(), data_.train.size());
  }
  // The same builder as fedgate-coordinator's; the model's shape follows the training data.
  // Progress: evaluation lines as fedgate-coordinator prints them, the per-client
  // table at the end only for small fleets.
  RunOutputs outputs;
  outputs.progress = progress_;
  outputs.style.clock = "virtual ";
  outputs.style.client_table_limit = 16;
  outputs.seeds.emplace_back("sim.seed", config_.sim.seed);
  FG_ASSIGN_OR_RETURN(run_, CoordinatorRun::build(c, std::move(data_.test), outputs, &data_.train));
  server_link_ = std::make_unique<ServerLink>(*this);
  coordinator_ = &run_->make_coordinator(clock_, *server_link_);
  // Only the state the configured client policies use: 10,000 clients share nothing else.
  const ClientPolicyNeeds& needs = run_->client_needs();

  std::vector<std::vector<uint32_t>> parts(s.clients);
  if (!s.full_data) {
    FG_ASSIGN_OR_RETURN(parts, partition(data_.train, s.partition));
    if (s.order_by_label) order_parts_by_label(data_.train, &parts);
  }
  const size_t dim = run_->dim();
  // Windows need a latency to be longer than an instant; more threads than
  // clients would idle.
  lookahead_us_ = std::llround(s.link.latency_ms * 1000.0);
  uint32_t threads = s.threads != 0 ? s.threads : std::max(1u, std::thread::hardware_concurrency());
  if (lookahead_us_ <= 0) threads = 1;
  threads = std::min(threads, s.clients);
  // Several workspaces per thread, taken by whichever thread is free: a
  // window's handlers split more evenly than by thread alone.
  constexpr uint32_t kWorkspacesPerThread = 4;
  const uint32_t workspaces =
      threads == 1 ? 1 : std::min(threads * kWorkspacesPerThread, s.clients);
  for (uint32_t w = 0; w < workspaces; ++w) {
    // MessageWriter trims its arena to kMessageAlignment at both ends: leave room for that.
    workspaces_.push_back(std::make_unique<ClientWorkspace>(
        dim, update_arena_bytes(dim, 0) + 2 * kMessageAlignment, data_.train, snapshots_));
  }
  workers_ = std::make_unique<WorkerPool>(threads);
  again_.resize(workspaces);
  waiting_.resize(workspaces);
  id_digits_ = 4;
  for (uint32_t n = s.clients - 1; n >= 10000; n /= 10) ++id_digits_;
  clients_.reserve(s.clients);
  for (uint32_t i = 0; i < s.clients; ++i) {
    std::string id = std::to_string(i);
    id =
        "c" +
        std::string(id.size() < static_cast<size_t>(id_digits_) ? id_digits_ - id.size() : 0, '0') +
        id;
    const uint64_t seed = s.seed * 1000003ull + i;
    clients_.push_back(std::make_unique<VirtualClient>(*this, *workspaces_[i % workspaces], i, id,
                                                       std::move(parts[i]), seed,
                                                       needs.state_floats, needs.state_indices));
  }
  return Status::ok();
}

uint32_t Simulator::index_of(const std::string& id) const {
  // Ids are built from the index (build()): parsed back, no map of a million strings.
  const uint32_t none = clients();
  if (id.size() < 2 || id[0] != 'c') return none;
  uint64_t index = 0;
  for (size_t i = 1; i < id.size(); ++i) {
    if (id[i] < '0' || id[i] > '9' || index > none) return none;
    index = index * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  return index < none && clients_[index]->id == id ? static_cast<uint32_t>(index) : none;
}

void Simulator::release(const Event& event) { shared_messages_.release(queue_.release(event)); }

const ClientSession& Simulator::session(uint32_t index) const { return clients_[index]->session; }
uint64_t Simulator::client_gradients(uint32_t index) const {
  return clients_[index]->trainer.gradients();
}
const std::string& Simulator::client_id(uint32_t index) const { return clients_[index]->id; }

void Simulator::client_sends(uint32_t index, Span<const uint8_t> bytes) {
  VirtualClient& client = *clients_[index];
  // The message leaves once the compute done so far in this handler is over.
  const int64_t ready = client.handler_start_us + client.trainer.consumed_us();
  const int64_t arrival = client.up.transmit(ready, bytes.size());
  if (client.output == nullptr) {  // outside a handler: the session's start
    queue_.push(arrival, index, /*to_coordinator=*/true, bytes);
    return;
  }
  client.output->sends.push_back(PendingSend{arrival, {bytes.begin(), bytes.end()}});
}

void Simulator::server_sends(const std::string& id, Span<const uint8_t> bytes) {
  const uint32_t index = index_of(id);
  if (index == clients()) return;  // not one of ours: nothing to deliver to
  VirtualClient& client = *clients_[index];
  const int64_t arrival = client.down.transmit(clock_.now_us(), bytes.size());
  // A version's chunks and the Config go to many clients: queued once (shared_messages.h).
  uint32_t seq = 0;
  const GlobalModel& model = coordinator_->model();
  SharedMessage* shared = shared_messages_.intern(bytes, &seq, model.version(), model.params());
  if (shared != nullptr) {
    queue_.push_shared(arrival, index, /*to_coordinator=*/false, shared, seq);
  } else {
    queue_.push(arrival, index, /*to_coordinator=*/false, bytes);
  }
}

void Simulator::take_window(int64_t limit_us) {
  const Event first = queue_.pop();
  window_size_ = 0;
  auto add = [&](const Event& event) {
    if (window_.size() == window_size_) window_.emplace_back();
    Delivery& delivery = window_[window_size_++];
    delivery.event = event;
    delivery.again = nullptr;
  };
  add(first);
  // One event alone: one thread, or the coordinator stops before this event
  // (what it sends then may arrive before the window's other events).
  window_end_us_ = first.time_us + 1;
  if (workers_->threads() < 2 ||
      (limit_us > 0 && first.time_us > limit_us && !coordinator_->stopped())) {
    return;
  }
  window_end_us_ = first.time_us + lookahead_us_;
  if (limit_us > 0 && !coordinator_->stopped()) {
    window_end_us_ = std::min(window_end_us_, limit_us + 1);
  }
  // Bounded, so that a million clients' first messages do not all wait at once.
  constexpr size_t kMaxWindow = 4096;
  while (!queue_.empty() && window_size_ < kMaxWindow && queue_.top().time_us < window_end_us_) {
    add(queue_.pop());
  }
}

void Simulator::handle_window_at_clients() {
  size_t at_clients = 0;
  for (size_t i = 0; i < window_size_; ++i) at_clients += window_[i].event.to_coordinator ? 0 : 1;
  // One handler is not worth waking a thread for.
  const unsigned threads = at_clients < 2 ? 1 : workers_->threads();
  const uint32_t workspaces = static_cast<uint32_t>(workspaces_.size());
  if (threads == 1) {
    for (uint32_t w = 0; w < workspaces; ++w) handle_workspace(w);
    return;
  }
  parallel_handlers_ += at_clients;
  std::atomic<uint32_t> next{0};
  workers_->run([&](unsigned) {
    for (uint32_t w = next++; w < workspaces; w = next++) handle_workspace(w);
  });
}

void Simulator::handle_workspace(uint32_t k) {
  const uint32_t workspaces = static_cast<uint32_t>(workspaces_.size());
  again_[k].clear();
  for (size_t i = 0; i < window_size_; ++i) {
    Delivery& delivery = window_[i];
    const Event& event = delivery.event;
    // Each client on the thread of its workspace.
    if (event.to_coordinator || event.client % workspaces != k) continue;
    deliver_pending(*clients_[event.client], event.time_us, k);
    deliver_at_client(&delivery, k);
  }
  for (uint32_t index : waiting_[k]) deliver_pending(*clients_[index], window_end_us_, k);
  waiting_[k].clear();
}

void Simulator::deliver_at_client(Delivery* delivery, uint32_t k) {
  handle_at_client(delivery->event, &delivery->output);
  const int64_t free_us = delivery->output.busy_until_us;
  if (free_us < 0 || free_us >= window_end_us_) return;
  // Delivered again within the window, after the client's earlier deliveries again.
  Event later = delivery->event;
  later.time_us = free_us;
  again_[k].push_back(Delivery{later, HandlerOutput(), nullptr});
  delivery->again = &again_[k].back();
  VirtualClient& client = *clients_[later.client];
  if (client.pending.empty()) waiting_[k].push_back(later.client);
  client.pending.push_back(delivery->again);
}

void Simulator::deliver_pending(VirtualClient& client, int64_t time_us, uint32_t k) {
  // At equal times a queued event goes first: its sequence number is older.
  size_t next = 0;
  while (next < client.pending.size() && client.pending[next]->event.time_us < time_us) {
    deliver_at_client(client.pending[next++], k);
  }
  client.pending.erase(client.pending.begin(), client.pending.begin() + next);
}

void Simulator::handle_at_client(const Event& event, HandlerOutput* out) {
  out->sends.clear();
  out->busy_until_us = -1;
  out->status = Status::ok();
  out->internal = Status::ok();
  VirtualClient& client = *clients_[event.client];
  if (client.busy_until_us > event.time_us) {
    // Still computing: the message waits in the socket until the client is free.
    out->busy_until_us = client.busy_until_us;
    return;
  }
  ClientWorkspace& workspace = client.workspace;
  const QueuedMessage& message = queue_.message(event);
  const Span<const uint8_t> bytes =
      message.shared != nullptr
          ? SharedMessages::materialize(*message.shared, message.seq, &workspace.delivery())
          : queue_.payload(event);
  client.handler_start_us = event.time_us;
  (void)client.trainer.take_consumed_us();
  const Status entered = workspace.enter(client.memory);
  if (!entered.is_ok()) {
    out->internal = entered;
    return;
  }
  client.output = out;
  // Only a ModelChunk, while the session awaits a model, writes it (and runs the trigger).
  wire::ErrorCode ignored = wire::ErrorCode::None;
  const wire::Envelope* envelope = verify_envelope(bytes, &ignored);
  const bool may_write_model = envelope != nullptr &&
                               envelope->message_type() == wire::Message::ModelChunk &&
                               client.session.state() == ClientSession::State::kAwaitingModel;
  const uint64_t models_before = client.session.counters().models;
  const Status status = client.session.on_message(bytes);
  ClientWorkspace::Outcome outcome;
  outcome.model_written = may_write_model;
  outcome.completed = client.session.counters().models != models_before;
  outcome.completed_version = client.session.model_version();
  outcome.gradient_pending = client.session.state() == ClientSession::State::kAwaitingDecision;
  if (message.shared != nullptr && message.shared->snapshot != nullptr) {
    outcome.chunk_version = message.shared->snapshot;
    outcome.chunk_end = message.shared->chunk_end;
  }
  workspace.leave(client.memory, outcome);
  client.busy_until_us = event.time_us + client.trainer.take_consumed_us();
  client.output = nullptr;
  out->status = status;
}

Simulator::Delivery* Simulator::commit_client_event(Delivery* delivery) {
  const Event& event = delivery->event;
  HandlerOutput* out = &delivery->output;
  if (out->busy_until_us >= 0) {
    // The sequence number one thread would have given it now.
    if (delivery->again != nullptr) {
      delivery->again->event.seq = queue_.take_seq();
      return delivery->again;
    }
    Event later = event;
    later.time_us = out->busy_until_us;
    queue_.reschedule(later);
    return nullptr;
  }
  for (PendingSend& send : out->sends) {
    queue_.push(send.time_us, event.client, /*to_coordinator=*/true, &send.bytes);
  }
  release(event);
  if (!out->internal.is_ok() && internal_error_.is_ok()) internal_error_ = out->internal;
  if (!out->status.is_ok() && client_failures_++ < 5 && progress_ != nullptr) {
    std::fprintf(progress_, "fedgate-sim: client %s: %s\n", clients_[event.client]->id.c_str(),
                 out->status.message());
  }
  return nullptr;
}

void Simulator::deliver_to_coordinator(const Event& event) {
  clock_.set_us(event.time_us);
  coordinator_->handle(clients_[event.client]->id, queue_.payload(event));
  release(event);
  coordinator_->tick();
}

Result<SimReport> Simulator::run() {
  const auto wall_start = std::chrono::steady_clock::now();
  auto wall_s = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  };
  const int64_t limit_us = static_cast<int64_t>(config_.sim.max_virtual_seconds * 1e6);
  clock_.set_us(0);
  coordinator_->start();
  for (auto& client : clients_) {
    client->handler_start_us = 0;
    (void)client->session.start();
  }
  uint64_t events = 0;
  // A diverged model (NaN gradients are refused) or a policy that refuses
  // everything would otherwise loop forever: stop after this many events
  // without an applied update.
  const uint64_t stall_events = 200000 + 200ull * clients_.size();
  uint64_t updates_seen = 0, last_progress_event = 0;
  auto later = [](const Delivery* a, const Delivery* b) {
    return a->event.time_us != b->event.time_us ? a->event.time_us > b->event.time_us
                                                : a->event.seq > b->event.seq;
  };
  std::priority_queue<Delivery*, std::vector<Delivery*>, decltype(later)> turns(later);
  double next_progress = config_.sim.progress_seconds;
  for (;;) {
    while (!queue_.empty() && internal_error_.is_ok()) {
      take_window(limit_us);
      handle_window_at_clients();
      // The window in serial order: its events and deliveries again, by (time, seq).
      for (size_t i = 0; i < window_size_; ++i) turns.push(&window_[i]);
      while (!turns.empty() && internal_error_.is_ok()) {
        Delivery* delivery = turns.top();
        turns.pop();
        const Event& event = delivery->event;
        if (limit_us > 0 && event.time_us > limit_us && !coordinator_->stopped()) {
          clock_.set_us(limit_us);
          coordinator_->stop("reached sim.max_virtual_seconds");
        }
        last_event_us_ = event.time_us;
        if (event.to_coordinator) {
          deliver_to_coordinator(event);
        } else if (Delivery* again = commit_client_event(delivery)) {
          turns.push(again);
        }
        ++events;
        if (coordinator_->metrics().updates != updates_seen) {
          updates_seen = coordinator_->metrics().updates;
          last_progress_event = events;
        } else if (events - last_progress_event > stall_events && !coordinator_->stopped()) {
          // At this event's time: what the stop sends then arrives after the window.
          clock_.set_us(std::max(clock_.now_us(), event.time_us));
          coordinator_->stop(
              "no update applied for many events (diverged, or every offer refused)");
        }
        if (progress_ != nullptr && next_progress > 0 && (events & 1023) == 0 &&
            wall_s() >= next_progress) {
          next_progress += config_.sim.progress_seconds;
          std::fprintf(progress_,
                       "[sim] virtual %.1f s, wall %.1f s, %" PRIu64 " events, %" PRIu64
                       " updates, %zu queued\n",
                       static_cast<double>(event.time_us) / 1e6, wall_s(), events,
                       coordinator_->metrics().updates, queue_.size());
          std::fflush(progress_);
        }
      }
    }
    if (coordinator_->stopped() || !internal_error_.is_ok()) break;
    // Nothing left to happen (every client gave up): end the run properly.
    clock_.set_us(last_event_us_);
    coordinator_->stop("no more events (every client has finished or failed)");
  }

  FG_TRY(internal_error_);
  SimReport report;
  report.stop_reason = coordinator_->stop_reason();
  report.clients = clients();
  report.final_version = coordinator_->model().version();
  report.final_accuracy = coordinator_->last_eval().accuracy;
  report.final_loss = coordinator_->last_eval().loss;
  report.f_star = data_.f_star;
  report.has_f_star = data_.has_f_star;
  report.virtual_s = static_cast<double>(last_event_us_) / 1e6;
  report.wall_s = wall_s();
  report.events = events;
  report.updates = coordinator_->metrics().updates;
  for (const auto& client : clients_) report.gradients += client->trainer.gradients();
  report.updates_per_wall_s = report.wall_s > 0 ? report.updates / report.wall_s : 0;
  report.peak_rss_mb = peak_rss_mb();
  report.threads = workers_->threads();
  report.parallel_handlers = parallel_handlers_;
  write_sim_lines(report);
  return report;
}

void Simulator::write_sim_lines(const SimReport& r) const {
  MetricsLog* log = run_->log();
  if (log == nullptr) return;
  const SimSettings& s = config_.sim;
  const char* dataset = s.dataset == DatasetKind::kQuadratic ? "quadratic"
                        : s.dataset == DatasetKind::kIdx     ? "idx"
                                                             : "fashion-mnist";
  Json sim;
  sim["event"] = "sim";
  sim["clients"] = r.clients;
  sim["dataset"] = dataset;
  sim["partition"] = s.full_data ? "full" : partition_scheme_name(s.partition.scheme);
  sim["order_by_label"] = s.order_by_label;
  sim["compute_model"] = compute_kind_name(s.compute.kind);
  sim["virtual_s"] = r.virtual_s;
  sim["events"] = r.events;
  sim["gradients"] = r.gradients;
  sim["updates"] = r.updates;
  sim["final_version"] = r.final_version;
  if (r.has_f_star) sim["f_star"] = r.f_star;
  // Per-client compute means and gradient counts, for the contribution plots.
  if (clients_.size() <= 1000) {
    Json& compute_ms = sim["client_compute_ms"] = Json::array();
    Json& gradients = sim["client_gradients"] = Json::array();
    for (uint32_t i = 0; i < clients_.size(); ++i) {
      compute_ms.push_back(compute_.mean_us(i) / 1000.0);
      gradients.push_back(clients_[i]->trainer.gradients());
    }
  }
  log->write_line(sim.dump());
  // Wall-clock figures differ from run to run: a line of their own, so the
  // rest of the file is identical for identical seeds.
  Json wall;
  wall["event"] = "sim-wall";
  wall["wall_s"] = r.wall_s;
  wall["updates_per_s"] = r.updates_per_wall_s;
  wall["events_per_s"] = r.wall_s > 0 ? r.events / r.wall_s : 0;
  wall["peak_rss_mb"] = r.peak_rss_mb;
  wall["threads"] = r.threads;
  wall["parallel_handlers"] = r.parallel_handlers;
  log->write_line(wall.dump());
}

}  // namespace sim
}  // namespace fedgate
