#include "sim/client_workspace.h"

#include <algorithm>
#include <cstring>

namespace fedgate {
namespace sim {

ClientWorkspace::ClientWorkspace(size_t dim, size_t tx_bytes, const Dataset& data,
                                 ModelSnapshots& snapshots)
    : snapshots_(snapshots),
      model_(dim, 0.0f),
      gradient_(dim, 0.0f),
      tx_arena_(tx_bytes, 0),
      training_(data) {}

bool ClientWorkspace::is_partial_of(const ModelSnapshot& version, uint32_t end) const {
  const size_t head = std::min<size_t>(end, model_.size());
  if (std::memcmp(model_.data(), version.params().data(), head * sizeof(float)) != 0) return false;
  if (owner_->shared_model == nullptr) return true;  // the rest is not written yet
  return std::memcmp(model_.data() + head, owner_->shared_model->params().data() + head,
                     (model_.size() - head) * sizeof(float)) == 0;
}

void ClientWorkspace::save_owner() {
  if (owner_ == nullptr) return;
  if (model_dirty_) {
    snapshots_.release(owner_->assembling);
    owner_->assembling = nullptr;
    // Chunks of one version arriving over a model it shares: two references, not a copy.
    if (chunk_version_ != nullptr && owner_->own_model.empty() &&
        is_partial_of(*chunk_version_, chunk_end_)) {
      snapshots_.retain(chunk_version_);
      owner_->assembling = chunk_version_;
      owner_->assembled = chunk_end_;
    } else {
      snapshots_.release(owner_->shared_model);
      owner_->shared_model = nullptr;
      owner_->own_model.assign(model_.begin(), model_.end());
    }
    snapshots_.release(chunk_version_);
    chunk_version_ = nullptr;
    model_dirty_ = false;
  }
  if (gradient_live_ && !regenerable_) {
    if (gradient_pool_.empty()) {
      owner_->pending_gradient.assign(gradient_.begin(), gradient_.end());
    } else {
      owner_->pending_gradient = std::move(gradient_pool_.back());
      gradient_pool_.pop_back();
      std::copy(gradient_.begin(), gradient_.end(), owner_->pending_gradient.begin());
    }
  }
  gradient_live_ = false;
  regenerable_ = false;
}

Status ClientWorkspace::enter(ClientMemory& client) {
  training_.mark();
  if (owner_ == &client) return Status::ok();  // its state is still here
  save_owner();
  owner_ = &client;
  // A client without a model yet reads nothing of model_ before writing all of it.
  const size_t head = client.assembling != nullptr ? client.assembled : 0;
  if (head > 0)
    std::memcpy(model_.data(), client.assembling->params().data(), head * sizeof(float));
  if (client.shared_model != nullptr) {
    const Span<const float> params = client.shared_model->params();
    std::memcpy(model_.data() + head, params.data() + head, (params.size() - head) * sizeof(float));
  } else if (!client.own_model.empty()) {
    std::memcpy(model_.data(), client.own_model.data(), model_.size() * sizeof(float));
  }
  if (!client.pending_rows.empty()) {
    FG_TRY(training_.regenerate(
        Span<const uint32_t>(client.pending_rows.data(), client.pending_rows.size()), model(),
        gradient()));
    if (gradient_checksum(gradient()) != client.pending_checksum) {
      return Status::error(StatusCode::kInternal,
                           "a kept gradient computed again differs from the first computation");
    }
    gradient_live_ = true;
    regenerable_ = true;
  } else if (!client.pending_gradient.empty()) {
    std::memcpy(gradient_.data(), client.pending_gradient.data(), gradient_.size() * sizeof(float));
    gradient_pool_.push_back(std::move(client.pending_gradient));
    client.pending_gradient = std::vector<float>();
    gradient_live_ = true;
  }
  return Status::ok();
}

void ClientWorkspace::leave(ClientMemory& client, const Outcome& outcome) {
  const bool gradient_pending = outcome.gradient_pending;
  const bool model_written = outcome.model_written;
  if (model_written) {
    model_dirty_ = true;
    if (outcome.chunk_version != nullptr) snapshots_.retain(outcome.chunk_version);
    snapshots_.release(chunk_version_);
    chunk_version_ = outcome.chunk_version;
    chunk_end_ = outcome.chunk_end;
  }
  if (outcome.completed) {
    // Shared only when the model is still exactly what the coordinator sent
    // (a local-steps trigger changes it in the same handler).
    ModelSnapshot* snapshot = snapshots_.acquire_existing(outcome.completed_version);
    const bool same = snapshot != nullptr && std::memcmp(snapshot->params().data(), model_.data(),
                                                         model_.size() * sizeof(float)) == 0;
    if (same) {
      snapshots_.release(client.shared_model);
      snapshots_.release(client.assembling);
      client.assembling = nullptr;
      client.shared_model = snapshot;
      std::vector<float>().swap(client.own_model);
      snapshots_.release(chunk_version_);
      chunk_version_ = nullptr;
      model_dirty_ = false;
    } else {
      snapshots_.release(snapshot);
    }
  }
  gradient_live_ = gradient_pending;
  if (!gradient_pending) {
    regenerable_ = false;
    std::vector<uint32_t>().swap(client.pending_rows);
    return;
  }
  if (!model_written) return;  // no trigger ran: the gradient is as it was
  // The offered vector can be computed again when it is the one gradient this
  // handler computed, at the model the client keeps, untouched since.
  const SharedTraining::LastGradient& last = training_.last();
  regenerable_ = client.shared_model != nullptr && !model_dirty_ &&
                 training_.gradients_since_mark() == 1 && last.params == model_.data() &&
                 last.grad == gradient_.data() && gradient_checksum(gradient()) == last.checksum;
  if (regenerable_) {
    client.pending_rows = last.rows;
    client.pending_checksum = last.checksum;
  } else {
    std::vector<uint32_t>().swap(client.pending_rows);
  }
}

}  // namespace sim
}  // namespace fedgate
