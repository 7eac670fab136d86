// The STM32 firmware against bad input, under qemu-system-arm: first a TCP peer
// that is not ZeroMQ at all (random bytes, a frame header announcing 2^40
// bytes), then, on the same port, a scripted ZeroMQ ROUTER that plays a
// hostile coordinator: an unverifiable message, a message larger than the
// firmware's receive buffer, a model chunk of the wrong dimension, and
// silence. The firmware must discard and count each, re-synchronise, keep its
// session going (ModelRequest, a valid Offer after a valid model) and
// re-register after the silence, without overrunning anything or hanging.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/base/rng.h"
#include "core/protocol/aligned_message.h"
#include "core/protocol/codec.h"
#include "tests/integration/process.h"

namespace fedgate::testing {
namespace {

const std::string kImage =
    std::string(FEDGATE_HIL_CORTEX_M4_BUILD) + "/firmware/stm32/fedgate-stm32-shard0.elf";
constexpr uint32_t kDim = 7850;

double number(const std::map<std::string, std::string>& fields, const std::string& key) {
  const auto it = fields.find(key);
  return it == fields.end() ? -1 : std::stod(it->second);
}

// A listening TCP socket on 127.0.0.1 (port 0: any free one).
int listen_on(int port) {
  // CLOEXEC: QEMU, started after this, must not inherit the listener and keep the port.
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(fd, 1) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int port_of(int fd) {
  sockaddr_in address = {};
  socklen_t size = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  return ntohs(address.sin_port);
}

// The scripted coordinator: a ROUTER that hands out verified envelopes.
class ScriptedRouter {
 public:
  explicit ScriptedRouter(int port) : socket_(context_, zmq::socket_type::router) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("tcp://127.0.0.1:" + std::to_string(port));
  }

  // The next message from the firmware, verified; nullptr after `timeout_ms`.
  const wire::Envelope* receive(int timeout_ms) {
    zmq::pollitem_t item = {socket_.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) <= 0) return nullptr;
    std::vector<zmq::message_t> parts;
    (void)zmq::recv_multipart(socket_, std::back_inserter(parts));
    if (parts.size() != 2) return nullptr;
    identity_ = parts[0].to_string();
    payload_.assign(parts[1].data<uint8_t>(), parts[1].data<uint8_t>() + parts[1].size());
    wire::ErrorCode error;
    return verify_envelope(aligned_.view(payload_.data(), payload_.size()), &error);
  }

  // Waits for a message of `type`, skipping others (e.g. a second Hello).
  const wire::Envelope* receive_type(wire::Message type, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const wire::Envelope* envelope = receive(static_cast<int>(left.count()) + 1);
      if (envelope != nullptr && envelope->message_type() == type) return envelope;
    }
    return nullptr;
  }

  void send(const void* data, size_t size) {
    socket_.send(zmq::buffer(identity_), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(data, size), zmq::send_flags::none);
  }
  void send(const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok()) << message.status().message();
    send(message->data(), message->size());
  }

  const std::string& identity() const { return identity_; }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_;
  std::string identity_;
  std::vector<uint8_t> payload_;
  AlignedMessage aligned_;
};

TEST(Stm32BadInput, GarbageOversizedUnverifiableWrongDimensionAndSilenceAreSurvived) {
  ASSERT_FALSE(std::string(FEDGATE_QEMU_SYSTEM_ARM).empty())
      << "qemu-system-arm not found (Debian package qemu-system-arm; scripts/setup installs it)";
  ASSERT_EQ(access(kImage.c_str(), R_OK), 0)
      << kImage << " missing: cmake --preset cortex-m4 && cmake --build --preset cortex-m4";
  const std::string dir = make_temp_dir("stm32_bad_input");
  const std::string console = dir + "/console.txt";

  // 1. Not ZeroMQ at all.
  const int listener = listen_on(0);
  ASSERT_GE(listener, 0);
  const int port = port_of(listener);
  Process qemu(
      FEDGATE_QEMU_SYSTEM_ARM,
      {"-M", "netduinoplus2", "-nographic", "-monitor", "none", "-kernel", kImage, "-chardev",
       "socket,id=link,host=127.0.0.1,port=" + std::to_string(port) + ",nodelay=on,reconnect=1",
       "-serial", "chardev:link", "-serial", "file:" + console},
      dir + "/qemu.log");
  const int peer = accept(listener, nullptr, nullptr);
  ASSERT_GE(peer, 0);
  // The firmware's greeting says its UART is receiving (QEMU drops bytes before that).
  uint8_t greeting[64];
  size_t got = 0;
  while (got < 10) {
    const ssize_t n = read(peer, greeting + got, sizeof(greeting) - got);
    ASSERT_GT(n, 0) << read_file(console);
    got += static_cast<size_t>(n);
  }
  EXPECT_EQ(greeting[0], 0xFF);
  EXPECT_EQ(greeting[9], 0x7F);
  Rng rng(3);
  std::vector<uint8_t> garbage(300);
  for (uint8_t& b : garbage) b = static_cast<uint8_t>(rng.uniform(256));
  // A long-frame header announcing 2^40 bytes, then more noise.
  const uint8_t huge[9] = {0x02, 0, 0, 1, 0, 0, 0, 0, 0};
  garbage.insert(garbage.begin() + 150, huge, huge + sizeof(huge));
  ASSERT_EQ(write(peer, garbage.data(), garbage.size()), static_cast<ssize_t>(garbage.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  close(peer);
  close(listener);

  // 2. A ZeroMQ ROUTER on the same port; QEMU reconnects within a second.
  ScriptedRouter router(port);
  const wire::Envelope* hello = router.receive_type(wire::Message::Hello, 20000);
  ASSERT_NE(hello, nullptr) << read_file(console);
  EXPECT_EQ(router.identity(), "stm32-0");
  EXPECT_EQ(hello->message_as_Hello()->max_model_dim(), kDim);
  const uint32_t max_bytes = hello->message_as_Hello()->max_message_bytes();
  const uint32_t chunk_floats = hello->message_as_Hello()->max_chunk_floats();
  EXPECT_GT(max_bytes, 0u);
  ASSERT_GT(chunk_floats, 0u);

  // An unverifiable message and one larger than the firmware's receive buffer.
  router.send(garbage.data(), 200);
  std::vector<uint8_t> oversized(max_bytes + 1000, 0x5A);
  router.send(oversized.data(), oversized.size());

  std::vector<uint8_t> arena(64 * 1024);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = kDim;
  config.num_features = 784;
  config.num_classes = 10;
  config.batch_size = 8;
  config.chunk_floats = chunk_floats;
  config.heartbeat_ms = 1000;
  config.acceptance = "scripted";
  config.stepsize = "scripted";
  router.send(writer.config(1, config));

  // A chunk of a 100-parameter model: the wrong dimension, so the firmware asks again.
  std::vector<float> model(kDim, 0.0f);
  router.send(writer.model_chunk(2, 1, 0, 100, Span<const float>(model.data(), 50)));
  const wire::Envelope* request = router.receive_type(wire::Message::ModelRequest, 10000);
  ASSERT_NE(request, nullptr) << read_file(console);

  // Now a correct model: the firmware trains and offers.
  for (uint32_t offset = 0; offset < kDim; offset += chunk_floats) {
    const uint32_t n = std::min(chunk_floats, kDim - offset);
    router.send(
        writer.model_chunk(3, 1, offset, kDim, Span<const float>(model.data() + offset, n)));
  }
  const wire::Envelope* offer = router.receive_type(wire::Message::Offer, 20000);
  ASSERT_NE(offer, nullptr) << read_file(console);
  EXPECT_EQ(offer->message_as_Offer()->body()->version(), 1u);
  // At zero weights every class has p = 0.1: the loss is ln 10.
  EXPECT_NEAR(offer->message_as_Offer()->body()->loss(), 2.302585f, 1e-4);
  EXPECT_GT(offer->message_as_Offer()->body()->grad_norm(), 0.0f);
  router.send(writer.decision(4, 1, 1, false));

  // 3. Silence: after three heartbeats the firmware registers again.
  const wire::Envelope* again = router.receive_type(wire::Message::Hello, 15000);
  ASSERT_NE(again, nullptr) << read_file(console);

  // The counters say what happened (status lines come every 5 s).
  std::map<std::string, std::string> status;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    status = last_line_fields(read_file(console), "FEDGATE-STATUS");
    if (number(status, "silences") >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  qemu.signal(SIGKILL);
  SCOPED_TRACE(read_file(console));
  ASSERT_FALSE(status.empty());
  EXPECT_GE(number(status, "discarded"), 2);  // the unverifiable message, the wrong-size chunk
  EXPECT_GE(number(status, "zmtp_oversized"), 1);
  EXPECT_GT(number(status, "zmtp_garbage"), 0);  // the non-ZeroMQ peer's bytes
  EXPECT_GE(number(status, "silences"), 1);
  EXPECT_GE(number(status, "registrations"), 2);
  EXPECT_EQ(number(status, "offers"), 1);
  EXPECT_EQ(number(status, "rejects"), 1);
  EXPECT_EQ(number(status, "heap_requests"), 0);
  EXPECT_EQ(number(status, "uart_dropped"), 0);
  EXPECT_LE(number(status, "stack_size") - number(status, "stack_free"), 8192);
  std::printf(
      "after garbage, oversized, unverifiable, wrong-dimension and silence: discarded %.0f, "
      "zmtp oversized %.0f, zmtp malformed %.0f, zmtp garbage bytes %.0f, registrations %.0f\n",
      number(status, "discarded"), number(status, "zmtp_oversized"),
      number(status, "zmtp_malformed"), number(status, "zmtp_garbage"),
      number(status, "registrations"));
}

}  // namespace
}  // namespace fedgate::testing
