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
  SyntheticFleet(size_t clients, FleetDialect& dialect);
  FleetResult run(const std::string& endpoint, const FleetRun& plan);

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

  size_t count_;
  FleetDialect& dialect_;
  zmq::context_t context_;
};

// Raises the open-file limit to what `clients` sockets on both sides of
// loopback need (as root the hard limit too); false with a message if it cannot.
bool ensure_file_limit(size_t clients, std::string* message);

}  // namespace fedgate::loadgen
