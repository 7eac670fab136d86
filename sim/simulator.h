// Simulator: N virtual clients and one coordinator in one process, in virtual
// time. Nothing here re-implements the protocol or a policy: the coordinator is
// the real Coordinator (policies from the same registry and config as
// fedgate-coordinator) on a ManualClock, each client is the real ClientSession
// with a SimTrainer, and bytes travel between them as real FlatBuffers
// messages through in-memory outboxes into the event queue.
//
// Timing model (docs/simulator.md):
// * a client handles one message at a time; a message that arrives while it is
//   busy waits until it is free;
// * a message a client sends while handling leaves after the compute time the
//   handler used so far (busy-until + compute time);
// * every message crosses a per-client, per-direction FIFO Link (latency +
//   bytes / bandwidth); the coordinator answers in zero virtual time.
//
// Threads (docs/simulator.md, "Threads"): nothing sent at time t arrives before
// t + latency, so the events of [t, t + latency) cannot cause one another,
// except that a message for a busy client is delivered again when it is free.
// The clients' handlers of such a window run on sim.threads threads, each
// client always in the same workspace and in its own serial order;
// what they send is queued afterwards in event order, with the coordinator's
// events, as one thread would have: the metrics file is the same for any
// number of threads.
#pragma once

#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/run_builder.h"
#include "core/data/dataset.h"
#include "core/protocol/client_session.h"
#include "sim/client_workspace.h"
#include "sim/compute_model.h"
#include "sim/event_queue.h"
#include "sim/link.h"
#include "sim/model_snapshots.h"
#include "sim/shared_messages.h"
#include "sim/sim_config.h"
#include "sim/sim_trainer.h"
#include "sim/worker_pool.h"

namespace fedgate {
namespace sim {

struct SimReport {
  std::string stop_reason;
  uint32_t clients = 0;
  uint32_t final_version = 0;
  double final_accuracy = 0;
  double final_loss = 0;
  double f_star = 0;  // least-squares optimum (quadratic dataset), else 0
  bool has_f_star = false;
  double virtual_s = 0;  // virtual time of the last event
  double wall_s = 0;
  uint64_t events = 0;
  uint64_t updates = 0;    // applied by the coordinator
  uint64_t gradients = 0;  // computed by all clients
  double updates_per_wall_s = 0;
  double peak_rss_mb = 0;
  uint32_t threads = 1;  // that ran clients' handlers
  // Client handlers that ran in a window beside others (on several threads).
  uint64_t parallel_handlers = 0;
};

// Loads the training data a SimConfig names (Fashion-MNIST, an IDX pair, or the
// generated quadratic) and the coordinator's test data (the quadratic is its
// own test set: the report plots F(x) - F*).
struct SimData {
  Dataset train;
  Dataset test;
  double f_star = 0;
  bool has_f_star = false;
};
Result<SimData> load_sim_data(const SimConfig& config);

// sim.order_by_label: a stable sort of the parts by mean label, so client 0
// (the fastest) gets the lowest labels and speed correlates with the data.
void order_parts_by_label(const Dataset& data, std::vector<std::vector<uint32_t>>* parts);

class Simulator {
 public:
  // Builds the coordinator and the clients over `data` (kept by the simulator).
  // `progress`: where progress lines go (stderr in fedgate-sim), or null.
  static Result<std::unique_ptr<Simulator>> create(const SimConfig& config, SimData data,
                                                   std::FILE* progress);
  ~Simulator();

  // Runs until the coordinator has stopped and every message is delivered;
  // then appends the sim summary lines to the metrics file.
  Result<SimReport> run();

  const Coordinator& coordinator() const { return *coordinator_; }
  uint32_t clients() const { return static_cast<uint32_t>(clients_.size()); }
  const ClientSession& session(uint32_t index) const;
  uint64_t client_gradients(uint32_t index) const;
  const std::string& client_id(uint32_t index) const;
  const ComputeModel& compute_model() const { return compute_; }
  // Model snapshots alive now (shared by queued chunks and clients).
  size_t live_snapshots() const { return snapshots_.live(); }

 private:
  struct VirtualClient;
  class ServerLink;
  // What a client's handler sent and how it ended, kept until the event's turn
  // in the serial order.
  struct PendingSend {
    int64_t time_us = 0;
    std::vector<uint8_t> bytes;
  };
  struct HandlerOutput {
    std::vector<PendingSend> sends;
    int64_t busy_until_us = -1;  // >= 0: the client was busy; deliver the event then
    Status status = Status::ok();
    Status internal = Status::ok();  // the simulator's own failure
  };
  // An event of the window and what handling it gave. `again`: the delivery of
  // the same message once a busy client is free, when that is within the window.
  struct Delivery {
    Event event;
    HandlerOutput output;
    Delivery* again = nullptr;
  };
  Simulator(const SimConfig& config, SimData data, std::FILE* progress);
  Status build();
  // The next events that cannot cause one another (at least one), and the
  // window's end: deliveries again from then on go back to the queue.
  void take_window(int64_t limit_us);
  // Runs the window's client handlers, on the worker threads when there are several.
  void handle_window_at_clients();
  // The deliveries to the clients of workspace k, each client's in serial order.
  void handle_workspace(uint32_t k);
  void deliver_at_client(Delivery* delivery, uint32_t k);
  // Deliveries again to `client` (of workspace k) before `time_us`.
  void deliver_pending(VirtualClient& client, int64_t time_us, uint32_t k);
  void handle_at_client(const Event& event, HandlerOutput* out);
  // A client's delivery in its serial turn: its sends queued, or, when the
  // client was busy, the delivery again (returned when it is within the window).
  Delivery* commit_client_event(Delivery* delivery);
  void deliver_to_coordinator(const Event& event);
  void client_sends(uint32_t index, Span<const uint8_t> bytes);
  void server_sends(const std::string& id, Span<const uint8_t> bytes);
  // The client a coordinator routing id names, or clients() if none.
  uint32_t index_of(const std::string& id) const;
  void release(const Event& event);
  void write_sim_lines(const SimReport& report) const;

  SimConfig config_;
  SimData data_;
  std::FILE* progress_;
  ComputeModel compute_;
  EventQueue queue_;
  ManualClock clock_;
  ModelSnapshots snapshots_;
  SharedMessages shared_messages_{snapshots_};
  // Client i works in workspaces_[i % workspaces_.size()] (its session is
  // built on that one's model and gradient); a thread takes a whole workspace.
  std::vector<std::unique_ptr<ClientWorkspace>> workspaces_;
  std::unique_ptr<WorkerPool> workers_;
  int64_t lookahead_us_ = 0;  // the link latency: the windows' length
  std::vector<Delivery> window_;
  size_t window_size_ = 0;  // window_[0, window_size_) is this window (the rest: reused)
  int64_t window_end_us_ = 0;
  // Per workspace: deliveries again, and the clients that have some waiting.
  std::vector<std::deque<Delivery>> again_;
  std::vector<std::vector<uint32_t>> waiting_;
  uint64_t parallel_handlers_ = 0;
  std::vector<std::unique_ptr<VirtualClient>> clients_;
  int id_digits_ = 4;  // client ids are "c" and the index in this many digits
  std::unique_ptr<ServerLink> server_link_;
  std::unique_ptr<CoordinatorRun> run_;  // after server_link_: its coordinator sends through it
  Coordinator* coordinator_ = nullptr;   // owned by run_
  int64_t last_event_us_ = 0;
  uint64_t client_failures_ = 0;
  Status internal_error_ = Status::ok();  // the simulator's own failure: ends the run
};

// Peak resident set size of this process so far, in megabytes (getrusage).
double peak_rss_mb();

}  // namespace sim
}  // namespace fedgate
