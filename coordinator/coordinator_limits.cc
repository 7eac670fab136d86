// The Coordinator's limits against abuse (docs/security.md, "Limits"): the
// hooks coordinator.cc calls on Hello, Update, ModelRequest, commit and tick.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "coordinator/coordinator.h"

namespace fedgate {

bool Coordinator::admit_hello(const std::string& id, uint32_t seq, const wire::Hello& hello,
                              uint32_t chunk) {
  const LimitSettings& limits = settings_.limits;
  const size_t name_bytes = hello.name() != nullptr ? hello.name()->size() : 0;
  if (name_bytes > limits.max_name_bytes) {
    ++metrics_.limits.registrations_refused;
    reply_error(id, seq, wire::ErrorCode::MessageTooLarge,
                "client name of %zu bytes exceeds limits.max_name_bytes = %u", name_bytes,
                limits.max_name_bytes);
    return false;
  }
  // Tiny chunks turn one model into thousands of messages (and queue entries).
  const uint32_t floor = chunk_floor(limits, model_.dim(), settings_.chunk_floats);
  if (chunk < floor) {
    ++metrics_.limits.registrations_refused;
    reply_error(id, seq, wire::ErrorCode::MessageTooLarge,
                "client takes model chunks of at most %u floats, under the %u that "
                "limits.max_model_chunks = %u allows",
                chunk, floor, limits.max_model_chunks);
    return false;
  }
  bool evicted = false;
  if (!clients_.make_room(id, limits.max_clients, &evicted)) {
    ++metrics_.limits.registrations_refused;
    reply_error(id, seq, wire::ErrorCode::UnexpectedMessage,
                "coordinator is full: %u clients registered (limits.max_clients)",
                limits.max_clients);
    return false;
  }
  if (evicted) ++metrics_.limits.clients_evicted;
  if (ClientRecord* client = clients_.find(id)) client->model_requests_served = 0;
  return true;
}

bool Coordinator::admit_update(const std::string& id, ClientRecord& client, uint32_t seq,
                               uint32_t version) {
  // The Offer was inside the window; the Update may come many versions later.
  const uint32_t staleness = model_.version() - version;
  if (!update_guard_.too_late(staleness)) return true;
  ++metrics_.limits.late_refused;
  reply_error(id, seq, wire::ErrorCode::VersionOutsideWindow,
              "update for version %u arrived at %u: staleness %u, the bound is %u", version,
              model_.version(), staleness, update_guard_.staleness_bound());
  send_model(id, client);
  return false;
}

bool Coordinator::limit_norm(const std::string& id, uint32_t seq, IncomingUpdate& update) {
  const UpdateGuard::NormCheck check =
      update_guard_.check_norm(update.grad_norm, gradients_in(update, settings_.batch_size));
  if (check.refuse) {
    ++metrics_.limits.norm_refused;
    reply_error(id, seq, wire::ErrorCode::NonFinite,
                "update norm %.6g exceeds the bound %.6g (limits.max_update_norm, "
                "limits.max_norm_ratio)",
                update.grad_norm, check.bound);
    return false;  // the client asks for the model again after an Error
  }
  if (check.scale < 1) {
    ++metrics_.limits.norm_clipped;
    // Clip into the coordinator's own buffer (a dense update is read in place).
    const auto scale = static_cast<float>(check.scale);
    for (size_t i = 0; i < update.gradient.size(); ++i) {
      decoded_[i] = update.gradient[i] * scale;
    }
    update.gradient = Span<const float>(decoded_.data(), update.gradient.size());
    update.grad_norm *= check.scale;
  }
  return true;
}

bool Coordinator::serve_model_request(ClientRecord& client) {
  if (client.model_requests_served >= settings_.limits.model_resends) {
    ++metrics_.limits.model_requests_coalesced;
    return false;
  }
  ++client.model_requests_served;
  return true;
}

bool Coordinator::commit_stays_finite(Span<const float> direction, double scale) {
  if (UpdateGuard::stays_finite(model_.params(), direction, scale)) return true;
  ++metrics_.limits.non_finite_refused;
  std::fprintf(stderr,
               "fedgate-coordinator: refused a commit at version %u: the model would not be "
               "finite\n",
               model_.version());
  return false;
}

void Coordinator::expire_silent_clients() {
  const uint32_t periods = settings_.limits.client_timeout_heartbeats;
  if (periods == 0) return;
  const int64_t now = clock_.now_us();
  const int64_t heartbeat_us = int64_t{settings_.heartbeat_ms} * 1000;
  // One pass per heartbeat period: the registry may hold many thousands.
  if (now - last_expiry_sweep_us_ < heartbeat_us) return;
  last_expiry_sweep_us_ = now;
  const std::vector<std::string> silent = clients_.silent_since(now - periods * heartbeat_us);
  for (const std::string& id : silent) on_bye(id);
  if (silent.empty()) return;
  metrics_.limits.clients_expired += silent.size();
  std::fprintf(stderr,
               "fedgate-coordinator: expired %zu client(s) silent for %u heartbeat periods "
               "(first: %s); %zu active\n",
               silent.size(), periods, printable_id(silent.front()).c_str(),
               clients_.active_count());
}

}  // namespace fedgate
