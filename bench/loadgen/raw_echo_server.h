// The ceiling's server: a ROUTER that answers raw frames as the coordinator
// answers their fedgate counterparts (Hello: Config and the model's chunks;
// Offer: an accepting Decision; Update: the next model's chunks), with frames
// of the same sizes built once, and nothing else.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "bench/loadgen/fleet_dialect.h"

namespace fedgate::loadgen {

class RawEchoServer {
 public:
  RawEchoServer(const ExchangeSizes& sizes, uint32_t dim, uint32_t chunk_floats);
  ~RawEchoServer();

  // Binds tcp://127.0.0.1:* and serves on its own thread.
  std::string start();
  void stop();

 private:
  void serve();
  void send_model(zmq::message_t& identity);

  ExchangeSizes sizes_;
  uint32_t dim_;
  uint32_t chunk_floats_;
  uint32_t version_ = 0;
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::router};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<uint8_t> frame_;
};

}  // namespace fedgate::loadgen
