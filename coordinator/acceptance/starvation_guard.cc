#include "coordinator/acceptance/starvation_guard.h"

#include <algorithm>

namespace fedgate {

Verdict StarvationGuard::decide(const OfferContext& offer) {
  const Verdict verdict = inner_->decide(offer);
  if (offer.client == nullptr) return verdict;
  ClientState& state = clients_[*offer.client];
  if (verdict == Verdict::kAccept) {
    state.rejections = 0;
    state.forced = false;
    return verdict;
  }
  if (state.rejections >= limit_) {
    state.rejections = 0;
    state.forced = true;
    ++forced_;
    return Verdict::kAccept;
  }
  ++state.rejections;
  return verdict;
}

double StarvationGuard::update_scale(const std::string& client, uint32_t staleness,
                                     uint32_t concurrency) {
  const double inner_scale = inner_->update_scale(client, staleness, concurrency);
  auto it = clients_.find(client);
  if (it == clients_.end() || !it->second.forced) return inner_scale;
  it->second.forced = false;
  const double m = std::max<uint32_t>(concurrency, 1);
  return inner_scale * m / std::max(m, static_cast<double>(staleness));
}

void StarvationGuard::on_client_left(const std::string& client) {
  inner_->on_client_left(client);
  clients_.erase(client);
}

uint32_t StarvationGuard::rejections(const std::string& client) const {
  auto it = clients_.find(client);
  return it == clients_.end() ? 0 : it->second.rejections;
}

PolicySettings StarvationGuard::settings() const {
  PolicySettings settings = inner_->settings();
  settings.emplace_back("starvation_limit", static_cast<double>(limit_));
  return settings;
}

std::unique_ptr<AcceptancePolicy> with_starvation_guard(std::unique_ptr<AcceptancePolicy> inner,
                                                        uint32_t limit) {
  if (limit == 0) return inner;
  return std::make_unique<StarvationGuard>(std::move(inner), limit);
}

uint32_t default_starvation_limit(const std::string& acceptance) {
  const bool norm_rule = acceptance == "norm-ratio-exact" || acceptance == "norm-ratio-simplified";
  return norm_rule ? 3 : 0;
}

void StarvationGuard::save_state(StateWriter& out) const {
  out.u64(forced_);
  out.u32(static_cast<uint32_t>(clients_.size()));
  for (const auto& [client, state] : clients_) {
    out.str(client);
    out.u32(state.rejections);
    out.boolean(state.forced);
  }
  inner_->save_state(out);
}

void StarvationGuard::restore_state(StateReader& in) {
  forced_ = in.u64();
  clients_.clear();
  const uint32_t count = in.count(9);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string client = in.str();
    ClientState& state = clients_[client];
    state.rejections = in.u32();
    state.forced = in.boolean();
  }
  inner_->restore_state(in);
}

}  // namespace fedgate
