#include "tests/attack/hostile_peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

namespace fedgate::testing {

HostilePeer::HostilePeer(zmq::context_t& context, const std::string& endpoint,
                         const std::string& identity, int receive_hwm, int receive_buffer)
    : socket_(context, zmq::socket_type::dealer),
      arena_(update_arena_bytes(7850, 0) + 64 * 1024),
      writer_(Span<uint8_t>(arena_.data(), arena_.size())) {
  socket_.set(zmq::sockopt::routing_id, zmq::buffer(identity));
  socket_.set(zmq::sockopt::rcvhwm, receive_hwm);
  if (receive_buffer > 0) socket_.set(zmq::sockopt::rcvbuf, receive_buffer);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

void HostilePeer::send(Span<const uint8_t> bytes) {
  (void)socket_.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
}

void HostilePeer::hello(const std::string& name, uint32_t max_message_bytes) {
  // Built by hand: MessageWriter caps names, an attacker does not.
  flatbuffers::FlatBufferBuilder builder(name.size() + 1024);
  const auto name_offset = builder.CreateString(name);
  wire::HelloBuilder hello(builder);
  hello.add_device_class(wire::DeviceClass::Linux);
  hello.add_num_features(784);
  hello.add_num_classes(10);
  hello.add_max_message_bytes(max_message_bytes);
  hello.add_name(name_offset);
  const auto body = hello.Finish();
  wire::FinishEnvelopeBuffer(builder, wire::CreateEnvelope(builder, kProtocolVersion, ++seq_,
                                                           wire::Message::Hello, body.Union()));
  send(Span<const uint8_t>(builder.GetBufferPointer(), builder.GetSize()));
}

void HostilePeer::offer(uint32_t version, float norm) {
  OfferInfo info;
  info.version = version;
  info.grad_norm = norm;
  info.loss = 1.0f;
  send(writer_.offer(++seq_, info));
}

void HostilePeer::update(uint32_t version, const std::vector<float>& values) {
  double sum = 0;
  for (float v : values) sum += double{v} * v;
  UpdateInfo info;
  info.version = version;
  info.grad_norm = static_cast<float>(std::sqrt(sum));
  info.values = Span<const float>(values.data(), values.size());
  info.samples = 32;
  send(writer_.update(++seq_, info));
}

bool HostilePeer::pump(int wait_ms, wire::Message until) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 1, std::chrono::milliseconds(std::max<int64_t>(left.count(), 0)));
    if (!(items[0].revents & ZMQ_POLLIN)) return false;
    zmq::message_t message;
    while (socket_.recv(message, zmq::recv_flags::dontwait)) {
      ++received_;
      wire::ErrorCode error = wire::ErrorCode::None;
      const wire::Envelope* envelope =
          verify_envelope(aligned_.view(message.data(), message.size()), &error);
      if (envelope == nullptr) continue;
      const wire::Message type = envelope->message_type();
      if (type == wire::Message::ModelChunk) {
        const auto* chunk = envelope->message_as_ModelChunk();
        if (chunk->offset() + chunk->weights()->size() == chunk->total()) {
          version_ = chunk->version();
          has_model_ = true;
          ++models_;
        }
      } else if (type == wire::Message::Decision) {
        accepted_ = envelope->message_as_Decision()->accept();
        ++decisions_;
      } else if (type == wire::Message::Error) {
        const auto* error_message = envelope->message_as_Error();
        last_error_ = error_message->code();
        last_error_text_ =
            error_message->message() != nullptr ? error_message->message()->str() : "";
      }
      if (until != wire::Message::NONE && type == until) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

uint64_t flood_unfinished_message(const std::string& endpoint, size_t frame_bytes, double seconds) {
  const size_t colon = endpoint.rfind(':');
  const int port = std::stoi(endpoint.substr(colon + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  // A send that blocks for a second ends the flood: nobody reads any more.
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return 0;
  }
  // ZMTP 3.0: greeting (signature, version 3.0, mechanism NULL, as-server 0).
  std::vector<uint8_t> out(64, 0);
  out[0] = 0xff;
  out[9] = 0x7f;
  out[10] = 3;
  std::memcpy(&out[12], "NULL", 4);
  // READY command with Socket-Type DEALER and an empty Identity.
  const char ready[] =
      "\x05READY\x0bSocket-Type\x00\x00\x00\x06"
      "DEALER\x08Identity\x00\x00\x00\x00";
  const size_t ready_size = sizeof(ready) - 1;
  out.push_back(0x04);
  out.push_back(static_cast<uint8_t>(ready_size));
  out.insert(out.end(), ready, ready + ready_size);
  uint64_t sent = 0;
  auto write_all = [&](const uint8_t* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
      sent += static_cast<uint64_t>(n);
    }
    return true;
  };
  // A frame: MORE | LONG, 8-byte size, payload; the last frame never comes.
  std::vector<uint8_t> frame(9 + frame_bytes, 0x5a);
  frame[0] = 0x03;
  for (int i = 0; i < 8; ++i)
    frame[1 + i] = static_cast<uint8_t>(uint64_t{frame_bytes} >> (56 - 8 * i));
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  if (write_all(out.data(), out.size())) {
    // Read the coordinator's greeting and READY, as a real peer would.
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    uint8_t greeting[4096];
    (void)::recv(fd, greeting, sizeof(greeting), 0);
    while (std::chrono::steady_clock::now() < end && write_all(frame.data(), frame.size())) {
    }
  }
  ::close(fd);
  return sent;
}

}  // namespace fedgate::testing
