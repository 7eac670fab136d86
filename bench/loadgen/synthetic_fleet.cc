#include "bench/loadgen/synthetic_fleet.h"

#include <sys/resource.h>

#include <chrono>

namespace fedgate::loadgen {

namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool ensure_file_limit(size_t clients, std::string* message) {
  // Per client: its TCP connection at both ends and its socket's mailbox.
  const rlim_t needed = static_cast<rlim_t>(3 * clients + 256);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= needed) return true;
  rlimit raised{needed, std::max(needed, limit.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return true;
  *message = std::to_string(clients) + " clients need " + std::to_string(needed) +
             " open files; the limit is " + std::to_string(limit.rlim_cur) + " (hard " +
             std::to_string(limit.rlim_max) + "): raise it with ulimit -n or run as root";
  return false;
}

SyntheticFleet::SyntheticFleet(size_t clients, FleetDialect& dialect)
    : count_(clients), dialect_(dialect) {
  context_.set(zmq::ctxopt::max_sockets, static_cast<int>(clients + 64));
}

void SyntheticFleet::send(Client& client, Span<const uint8_t> bytes) {
  client.socket.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait);
}

void SyntheticFleet::on_reply(Client& client, const Reply& reply, bool measuring,
                              FleetResult& result) {
  switch (reply.kind) {
    case Reply::Kind::Chunk:
      client.floats += reply.count;
      if (reply.offset + reply.count < reply.total) return;
      client.floats = 0;
      client.has_model = true;
      client.version = reply.version;
      if (measuring) ++result.models;
      client.offered_at_ns = now_ns();
      send(client, dialect_.offer(++client.seq, client.version));
      return;
    case Reply::Kind::Decision:
      if (measuring) {
        ++result.decisions;
        result.offer_to_decision_us.push_back(static_cast<double>(now_ns() - client.offered_at_ns) /
                                              1e3);
      }
      if (!reply.accept) return;  // the model follows
      if (measuring) ++result.accepts;
      send(client, dialect_.update(++client.seq, client.version));
      if (measuring) ++result.updates;
      return;
    case Reply::Kind::Error:
      if (result.errors++ == 0) result.first_error = reply.text;
      return;
    default: return;
  }
}

FleetResult SyntheticFleet::run(const std::string& endpoint, const FleetRun& plan) {
  std::vector<Client> clients;
  clients.reserve(count_);
  std::vector<zmq::pollitem_t> items;
  for (size_t i = 0; i < count_; ++i) {
    Client client{zmq::socket_t(context_, zmq::socket_type::dealer)};
    client.socket.set(zmq::sockopt::linger, 0);
    client.socket.set(zmq::sockopt::routing_id, "loadgen-" + std::to_string(i));
    client.socket.connect(endpoint);
    clients.push_back(std::move(client));
    items.push_back({clients.back().socket.handle(), 0, ZMQ_POLLIN, 0});
  }
  for (size_t i = 0; i < count_; ++i) {
    send(clients[i], dialect_.hello(++clients[i].seq, static_cast<uint32_t>(i)));
  }

  FleetResult result;
  const int64_t start = now_ns();
  int64_t window_start = -1, window_end = -1;
  size_t holding = 0;
  bool measuring = false;
  for (;;) {
    const int64_t now = now_ns();
    if (window_start < 0) {
      if (holding == count_) {
        result.registered = true;
        window_start = now + static_cast<int64_t>(plan.warmup_s * 1e9);
        window_end = window_start + static_cast<int64_t>(plan.measure_s * 1e9);
      } else if (now - start > static_cast<int64_t>(plan.register_timeout_s * 1e9)) {
        return result;
      }
    }
    if (window_start >= 0 && !measuring && now >= window_start) measuring = true;
    if (measuring && now >= window_end) break;
    zmq::poll(items.data(), items.size(), std::chrono::milliseconds(10));
    for (size_t i = 0; i < count_; ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      Client& client = clients[i];
      zmq::message_t message;
      while (client.socket.recv(message, zmq::recv_flags::dontwait)) {
        const bool had_model = client.has_model;
        on_reply(client,
                 dialect_.read(Span<const uint8_t>(static_cast<const uint8_t*>(message.data()),
                                                   message.size())),
                 measuring, result);
        if (!had_model && client.has_model) ++holding;
      }
    }
  }
  result.seconds = static_cast<double>(window_end - window_start) / 1e9;
  return result;
}

}  // namespace fedgate::loadgen
