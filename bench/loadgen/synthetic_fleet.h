// N synthetic clients, one DEALER socket each, on one thread: each registers,
// takes the model, then loops Offer -> Decision -> (Update if accepted) ->
// the next model, as fast as the server answers. What they say comes from a
// FleetDialect, so the same loop measures the coordinator and the ceiling.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "bench/loadgen/fleet_dialect.h"

namespace fedgate::loadgen {

struct FleetRun {
  double warmup_s = 1.0;   // after every client holds a model
  double measure_s = 3.0;  // the measured window
  double register_timeout_s = 60.0;
};

struct FleetResult {
  bool registered = false;  // every client received a first model in time
  double seconds = 0;       // the measured window's length
  uint64_t decisions = 0;   // in the window
  uint64_t accepts = 0;
  uint64_t updates = 0;  // Updates sent in the window
  uint64_t models = 0;   // whole models received in the window
  uint64_t errors = 0;   // Error replies (the whole run)
  std::string first_error;
  std::vector<double> offer_to_decision_us;
};

class SyntheticFleet {
 public:
  // Clients are numbered from `first_id` (routing ids and Hellos), so that
  // fleets in several processes do not collide.
  SyntheticFleet(size_t clients, FleetDialect& dialect, size_t first_id = 0);
  // Connects, registers and waits until every client holds a model (false
  // after `timeout_s`), then measures over [now + warmup, + measure).
  FleetResult run(const std::string& endpoint, const FleetRun& plan);

  // The two halves of run(), for a fleet split across processes that measure
  // over the same window (fleet_processes.h).
  bool register_all(const std::string& endpoint, double timeout_s);
  // Keeps the clients going until `end_ns` (steady clock), counting in [start_ns, end_ns).
  FleetResult measure(int64_t start_ns, int64_t end_ns);

 private:
  struct Client {
    zmq::socket_t socket;
    uint32_t seq = 0;
    uint32_t floats = 0;   // of the model being received
    uint32_t version = 0;  // of the model it holds
    int64_t offered_at_ns = -1;
    bool has_model = false;
  };
  void on_reply(Client& client, const Reply& reply, bool measuring, FleetResult& result);
  void send(Client& client, Span<const uint8_t> bytes);
  // Reads every reply that is waiting (polls up to 10 ms for one).
  void pump(bool measuring, FleetResult& result);

  size_t count_;
  FleetDialect& dialect_;
  size_t first_id_;
  zmq::context_t context_;
  std::vector<Client> clients_;
  std::vector<zmq::pollitem_t> items_;
  size_t holding_ = 0;  // clients that hold a model
};

// Open files a process needs for `fleet_clients` sockets (a TCP connection and
// a mailbox each) and `server_clients` connections accepted by a server in it.
size_t files_needed(size_t fleet_clients, size_t server_clients);
// Raises the open-file limit to `needed` (as root the hard limit too); false
// with a message if it cannot.
bool ensure_file_limit(size_t needed, std::string* message);
// The hard limit on open files of this process.
size_t hard_file_limit();
// The steady clock in nanoseconds: one clock for every process of the machine.
int64_t steady_now_ns();

}  // namespace fedgate::loadgen
