// Limits against abuse (docs/security.md, "Limits"): the settings of the
// [limits] config section, the counters they keep, and the update guard that
// checks a validated update's norm, its staleness on arrival and whether a
// commit would leave the model finite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/span.h"

namespace fedgate {

struct LimitSettings {
  // Poison: an update's L2 norm above max_update_norm (0 = no absolute bound)
  // or above max_norm_ratio times the median of recent applied norms (0 = off)
  // is clipped to the bound, or refused with clip = false.
  double max_update_norm = 0;
  double max_norm_ratio = 10;
  bool clip = true;
  // Late updates: an Update this many versions behind, or more, is refused on
  // arrival. 0: the acceptance policy's window (none: no bound).
  uint32_t max_staleness = 0;
  // Ghosts: registered routing ids kept (active or not; 0 = no bound), the
  // longest client name, and how many heartbeat periods of silence expire an
  // active client (0 = never).
  uint32_t max_clients = 10000;
  uint32_t max_name_bytes = 64;
  uint32_t client_timeout_heartbeats = 10;
  // Memory: the most chunks a model may be cut into for a client (its Hello
  // may not ask for smaller chunks than that; the configured chunk_floats
  // lowers the floor), and how many ModelRequests are served before the
  // client is heard from otherwise.
  uint32_t max_model_chunks = 64;
  uint32_t model_resends = 2;
  // Transport (ZmqServer): messages queued per peer (ZMQ_SNDHWM; 0 = derived
  // from the model), and bytes a connection may have received without
  // completing a message before it is dropped (0 = derived).
  uint32_t send_hwm = 0;
  uint64_t max_pending_bytes = 0;
};

// What the limits refused, clipped or expired; reported in every metrics line.
struct LimitCounts {
  uint64_t norm_clipped = 0;
  uint64_t norm_refused = 0;
  uint64_t non_finite_refused = 0;  // commits that would have made the model non-finite
  uint64_t late_refused = 0;        // Updates beyond max_staleness on arrival
  uint64_t clients_expired = 0;
  uint64_t registrations_refused = 0;  // name too long, registry full, chunk below the floor
  uint64_t clients_evicted = 0;        // inactive records dropped to make room
  uint64_t model_requests_coalesced = 0;
  uint64_t peers_dropped = 0;  // connections the transport guard closed
};

// A routing id or client name fit for a log line: printable ASCII as is,
// backslash and everything else as \xNN, at most `max_bytes` input bytes
// (then "...").
std::string printable_id(const std::string& id, size_t max_bytes = 48);

// The smallest model chunk (floats) a client may ask for.
uint32_t chunk_floor(const LimitSettings& limits, size_t model_dim, uint32_t chunk_floats);
// limits.send_hwm, or when 0: room for four models in the smallest chunks a
// client may ask for, plus 64 other messages.
int send_hwm_for(const LimitSettings& limits, size_t model_dim, uint32_t chunk_floats);
// limits.max_pending_bytes, or when 0: the transport's frame limit (one
// legitimate message) plus 64 KiB.
uint64_t max_pending_bytes_for(const LimitSettings& limits, int64_t transport_limit_bytes);

// The acceptance window a policy reports in its settings ("window"), or 0.
template <typename Settings>
uint32_t window_from_settings(const Settings& settings) {
  for (const auto& [name, value] : settings) {
    if (name == "window" && value >= 1) return static_cast<uint32_t>(value);
  }
  return 0;
}

class UpdateGuard {
 public:
  // `acceptance_window`: the acceptance policy's window (0 = none).
  UpdateGuard(const LimitSettings& settings, uint32_t acceptance_window);

  // Staleness at or beyond which an arriving Update is refused (0 = no bound).
  uint32_t staleness_bound() const { return staleness_bound_; }
  bool too_late(uint32_t staleness) const {
    return staleness_bound_ != 0 && staleness >= staleness_bound_;
  }

  struct NormCheck {
    bool refuse = false;
    double scale = 1;  // < 1: clip the update by this factor
    double bound = 0;  // the bound it was held to (0 = none)
  };
  // The norm rule for an update of L2 norm `norm` summing `gradients`
  // minibatch gradients; records the (clipped) norm for the median.
  NormCheck check_norm(double norm, uint32_t gradients);

  // Whether x - scale * g stays finite in every coordinate, computed as
  // GlobalModel::apply does (in float).
  static bool stays_finite(Span<const float> x, Span<const float> g, double scale);

 private:
  static constexpr size_t kHistory = 64;  // recent per-gradient norms for the median
  static constexpr size_t kWarmUp = 16;   // no relative bound before this many
  double median() const;

  LimitSettings settings_;
  uint32_t staleness_bound_;
  std::vector<double> history_;
  size_t next_ = 0;
};

}  // namespace fedgate
