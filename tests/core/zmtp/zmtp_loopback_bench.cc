// Round trips per second over loopback TCP against a libzmq ROUTER that echoes: the ZMTP client
// (through a plain TCP socket) side by side with a cppzmq DEALER, in the same run.
//   build/host/tests/core/zmtp/zmtp_loopback_bench [seconds per client and size, default 1]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/zmtp/client.h"
#include "tests/core/zmtp/tcp_link.h"

namespace {

using namespace fedgate;
using Clock = std::chrono::steady_clock;

class CountingHandler : public zmtp::FrameHandler {
 public:
  void on_message(Span<const uint8_t> payload) override {
    ++messages;
    last_size = payload.size();
  }
  size_t messages = 0;
  size_t last_size = 0;
};

void echo_router(zmq::socket_t& router, std::atomic<bool>& stop) {
  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop) {
    if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) <= 0) continue;
    std::vector<zmq::message_t> parts;
    while (zmq::recv_multipart(router, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
      zmq::send_multipart(router, parts);
      parts.clear();
    }
  }
}

// The ZMTP client over one TCP connection, kept for every round.
struct ZmtpSide {
  explicit ZmtpSide(const std::string& endpoint)
      : link(endpoint), client(make_options(), Span<uint8_t>(rx, sizeof(rx)), link, handler) {}
  static zmtp::Options make_options() {
    zmtp::Options options;
    options.identity = "bench-zmtp";
    return options;
  }
  bool connect() {
    if (!link.connect(2000) || !client.start(zmtp::testing::monotonic_ms()).is_ok()) return false;
    while (!client.ready()) {
      if (link.pump(client, 10, zmtp::testing::monotonic_ms()) < 0) return false;
    }
    return true;
  }
  alignas(8) static inline uint8_t rx[1 << 17];
  zmtp::testing::TcpLink link;
  CountingHandler handler;
  zmtp::Client client;
};

double zmtp_round_trips(ZmtpSide& side, size_t size, double seconds) {
  std::vector<uint8_t> payload(size, 0x5A);
  size_t trips = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    const size_t before = side.handler.messages;
    if (!side.client.send(Span<const uint8_t>(payload.data(), payload.size())).is_ok()) return -1;
    while (side.handler.messages == before) {
      if (side.link.pump(side.client, 1000, zmtp::testing::monotonic_ms()) < 0) return -1;
    }
    if (side.handler.last_size != size) return -1;
    ++trips;
  }
  return trips / std::chrono::duration<double>(Clock::now() - start).count();
}

double dealer_round_trips(zmq::socket_t& dealer, size_t size, double seconds) {
  std::vector<uint8_t> payload(size, 0x5A);
  zmq::message_t reply;
  size_t trips = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    if (!dealer.recv(reply) || reply.size() != size) return -1;
    ++trips;
  }
  return trips / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  std::atomic<bool> stop{false};
  std::thread echo([&] { echo_router(router, stop); });
  ZmtpSide ours_side(endpoint);
  if (!ours_side.connect()) {
    std::fprintf(stderr, "zmtp client: no handshake with %s\n", endpoint.c_str());
    return 1;
  }
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::routing_id, "bench-dealer");
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(endpoint);

  // The two clients take turns in short rounds, so that a machine whose load changes (other
  // builds) treats both alike; the median round of each is reported, with the range.
  constexpr int kRounds = 7;
  std::printf(
      "round trips/s over loopback against a libzmq ROUTER echo: median (min-max) of %d "
      "alternating rounds of %.2f s\n",
      kRounds, seconds / kRounds);
  std::printf("%10s %28s %28s\n", "payload", "zmtp::Client", "cppzmq DEALER");
  for (size_t size : {size_t{10}, size_t{1000}, size_t{40000}}) {
    std::vector<double> ours, theirs;
    for (int round = 0; round < kRounds; ++round) {
      ours.push_back(zmtp_round_trips(ours_side, size, seconds / kRounds));
      theirs.push_back(dealer_round_trips(dealer, size, seconds / kRounds));
    }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    std::printf("%8zu B %12.0f (%6.0f-%6.0f) %12.0f (%6.0f-%6.0f)\n", size, ours[kRounds / 2],
                ours.front(), ours.back(), theirs[kRounds / 2], theirs.front(), theirs.back());
  }
  stop = true;
  echo.join();
  return 0;
}
