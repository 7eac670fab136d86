#include "bench/loadgen/synthetic_fleet.h"

#include <sys/resource.h>

#include <chrono>

namespace fedgate::loadgen {

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t files_needed(size_t fleet_clients, size_t server_clients) {
  return 2 * fleet_clients + server_clients + 256;
}

size_t hard_file_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_max == RLIM_INFINITY ? SIZE_MAX : static_cast<size_t>(limit.rlim_max);
}

bool ensure_file_limit(size_t needed_files, std::string* message) {
  const rlim_t needed = static_cast<rlim_t>(needed_files);
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= needed) return true;
  rlimit raised{needed, std::max(needed, limit.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return true;
  *message = std::to_string(needed) + " open files are needed; the limit is " +
             std::to_string(limit.rlim_cur) + " (hard " + std::to_string(limit.rlim_max) +
             "): raise it with ulimit -n, run as root, or use more --processes";
  return false;
}

SyntheticFleet::SyntheticFleet(size_t clients, FleetDialect& dialect, size_t first_id)
    : count_(clients), dialect_(dialect), first_id_(first_id) {
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
      client.offered_at_ns = steady_now_ns();
      send(client, dialect_.offer(++client.seq, client.version));
      return;
    case Reply::Kind::Decision:
      if (measuring) {
        ++result.decisions;
        result.offer_to_decision_us.push_back(
            static_cast<double>(steady_now_ns() - client.offered_at_ns) / 1e3);
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

bool SyntheticFleet::register_all(const std::string& endpoint, double timeout_s) {
  clients_.clear();
  clients_.reserve(count_);
  items_.clear();
  holding_ = 0;
  for (size_t i = 0; i < count_; ++i) {
    Client client{zmq::socket_t(context_, zmq::socket_type::dealer)};
    client.socket.set(zmq::sockopt::linger, 0);
    client.socket.set(zmq::sockopt::routing_id, "loadgen-" + std::to_string(first_id_ + i));
    client.socket.connect(endpoint);
    clients_.push_back(std::move(client));
    items_.push_back({clients_.back().socket.handle(), 0, ZMQ_POLLIN, 0});
  }
  for (size_t i = 0; i < count_; ++i) {
    send(clients_[i], dialect_.hello(++clients_[i].seq, static_cast<uint32_t>(first_id_ + i)));
  }
  const int64_t deadline = steady_now_ns() + static_cast<int64_t>(timeout_s * 1e9);
  FleetResult ignored;
  while (holding_ < count_) {
    if (steady_now_ns() > deadline) return false;
    pump(/*measuring=*/false, ignored);
  }
  return true;
}

FleetResult SyntheticFleet::measure(int64_t start_ns, int64_t end_ns) {
  FleetResult result;
  result.registered = true;
  for (int64_t now = steady_now_ns(); now < end_ns; now = steady_now_ns()) {
    pump(/*measuring=*/now >= start_ns, result);
  }
  result.seconds = static_cast<double>(end_ns - start_ns) / 1e9;
  return result;
}

FleetResult SyntheticFleet::run(const std::string& endpoint, const FleetRun& plan) {
  if (!register_all(endpoint, plan.register_timeout_s)) return FleetResult();
  const int64_t start = steady_now_ns() + static_cast<int64_t>(plan.warmup_s * 1e9);
  return measure(start, start + static_cast<int64_t>(plan.measure_s * 1e9));
}

void SyntheticFleet::pump(bool measuring, FleetResult& result) {
  zmq::poll(items_.data(), items_.size(), std::chrono::milliseconds(10));
  for (size_t i = 0; i < items_.size(); ++i) {
    if (!(items_[i].revents & ZMQ_POLLIN)) continue;
    Client& client = clients_[i];
    zmq::message_t message;
    while (client.socket.recv(message, zmq::recv_flags::dontwait)) {
      const bool had_model = client.has_model;
      on_reply(client,
               dialect_.read(Span<const uint8_t>(static_cast<const uint8_t*>(message.data()),
                                                 message.size())),
               measuring, result);
      if (!had_model && client.has_model) ++holding_;
    }
  }
}

}  // namespace fedgate::loadgen
