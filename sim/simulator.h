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
#pragma once

#include <cstdio>
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
  Simulator(const SimConfig& config, SimData data, std::FILE* progress);
  Status build();
  void deliver_to_client(const Event& event);
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
  std::unique_ptr<ClientWorkspace> workspace_;
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
