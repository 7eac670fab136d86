// Checkpoints of the shadowheart stepsize (docs/run-directory.md): each client's
// share of Z. Kept apart from the rule itself so the two change independently.
#include <map>

#include "coordinator/stepsize/shadowheart_stepsize.h"

namespace fedgate {

void ShadowheartStepsize::save_state(StateWriter& out) const {
  out.f64(z_);
  // Sorted by name, so equal states save to equal bytes.
  const std::map<std::string, Share> sorted(clients_.begin(), clients_.end());
  out.u32(static_cast<uint32_t>(sorted.size()));
  for (const auto& [client, share] : sorted) {
    out.str(client);
    out.f64(share.term);
  }
}

void ShadowheartStepsize::restore_state(StateReader& in) {
  z_ = in.f64();
  clients_.clear();
  const uint32_t count = in.count(12);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    clients_[client].term = in.f64();
  }
}

}  // namespace fedgate
