#include "bench/loadgen/raw_echo_server.h"

#include <chrono>

#include "bench/loadgen/raw_dialect.h"

namespace fedgate::loadgen {

RawEchoServer::RawEchoServer(const ExchangeSizes& sizes, uint32_t dim, uint32_t chunk_floats)
    : sizes_(sizes), dim_(dim), chunk_floats_(chunk_floats) {}

RawEchoServer::~RawEchoServer() { stop(); }

std::string RawEchoServer::start() {
  // The coordinator's socket options, so both sides see the same transport.
  socket_.set(zmq::sockopt::router_mandatory, 0);
  socket_.set(zmq::sockopt::sndhwm, 0);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("tcp://127.0.0.1:*");
  thread_ = std::thread([this] { serve(); });
  return socket_.get(zmq::sockopt::last_endpoint);
}

void RawEchoServer::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void RawEchoServer::send_model(zmq::message_t& identity) {
  ++version_;
  for (uint32_t offset = 0; offset < dim_; offset += chunk_floats_) {
    const uint32_t count = std::min(chunk_floats_, dim_ - offset);
    const size_t size = offset + count == dim_ ? sizes_.last_chunk : sizes_.full_chunk;
    const Span<const uint8_t> frame =
        raw_frame(frame_, size, RawHeader{'M', 0, {}, version_, offset, count, dim_});
    socket_.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
  }
}

void RawEchoServer::serve() {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stop_.load()) {
    zmq::poll(items, 1, std::chrono::milliseconds(10));
    for (;;) {
      zmq::message_t identity, payload;
      if (!socket_.recv(identity, zmq::recv_flags::dontwait)) break;
      if (!socket_.recv(payload, zmq::recv_flags::dontwait)) break;
      RawHeader header{};
      if (payload.size() < sizeof(header)) continue;
      std::memcpy(&header, payload.data(), sizeof(header));
      if (header.tag == 'H') {
        const Span<const uint8_t> frame =
            raw_frame(frame_, sizes_.config, RawHeader{'C', 0, {}, version_, 0, 0, dim_});
        socket_.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
        send_model(identity);
      } else if (header.tag == 'O') {
        const Span<const uint8_t> frame =
            raw_frame(frame_, sizes_.decision, RawHeader{'D', 1, {}, version_, 0, 0, 0});
        socket_.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore);
        socket_.send(zmq::buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
      } else if (header.tag == 'U') {
        send_model(identity);
      }
    }
  }
}

}  // namespace fedgate::loadgen
