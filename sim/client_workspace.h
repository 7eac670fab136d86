// ClientWorkspace: the memory a virtual client works in while it handles a
// message: the model, the gradient, the transmit arena, the minibatch buffers.
// One per simulation thread, shared by the clients that thread runs, since a
// client needs them only while its ClientSession runs; between messages a
// client keeps only ClientMemory (docs/simulator.md, "Memory").
//
// Every ClientSession of the thread is built on the workspace's model and
// gradient. enter() makes them hold this client's state, saving the previous
// client's first if its handler changed them; clients that hold exactly a model
// version the coordinator sent keep a reference to the shared snapshot instead
// of their own copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/data/dataset.h"
#include "sim/model_snapshots.h"
#include "sim/sim_trainer.h"

namespace fedgate {
namespace sim {

// What one virtual client keeps between messages.
struct ClientMemory {
  ModelSnapshot* shared_model = nullptr;  // its model is exactly this version's
  // A model being received: the first `assembled` floats are this version's,
  // the rest still shared_model's (or not yet written, without one).
  ModelSnapshot* assembling = nullptr;
  uint32_t assembled = 0;
  std::vector<float> own_model;  // or its own copy: a delta-coded model, one changed by
                                 // local steps, a reception that went wrong
  // An offered gradient awaiting the Decision: the rows it was computed on (the
  // workspace computes it again from them and the model) and its checksum, or,
  // when it is not simply the gradient at the held model, the values (pooled).
  std::vector<uint32_t> pending_rows;
  uint64_t pending_checksum = 0;
  std::vector<float> pending_gradient;
};

class ClientWorkspace {
 public:
  // `tx_bytes`: the transmit arena a dense Update of `dim` floats needs.
  ClientWorkspace(size_t dim, size_t tx_bytes, const Dataset& data, ModelSnapshots& snapshots);
  ClientWorkspace(const ClientWorkspace&) = delete;
  ClientWorkspace& operator=(const ClientWorkspace&) = delete;

  Span<float> model() { return Span<float>(model_.data(), model_.size()); }
  Span<float> gradient() { return Span<float>(gradient_.data(), gradient_.size()); }
  Span<uint8_t> tx_arena() { return Span<uint8_t>(tx_arena_.data(), tx_arena_.size()); }
  SharedTraining& training() { return training_; }
  // Where a shared message is written out for delivery.
  std::vector<uint8_t>& delivery() { return delivery_; }

  // Before `client`'s session handles a message. Fails only if a gradient
  // computed again differs from the first (a bug, never a wrong result).
  Status enter(ClientMemory& client);
  // What a handler left behind.
  struct Outcome {
    bool model_written = false;  // chunks arrive, and the trigger runs, only while a
                                 // client awaits a model
    bool completed = false;      // it completed a model of completed_version
    uint32_t completed_version = 0;
    bool gradient_pending = false;           // it awaits a Decision on an offered gradient
    ModelSnapshot* chunk_version = nullptr;  // a shared dense chunk's version, and where
    uint32_t chunk_end = 0;                  // it ended (offset + count)
  };
  void leave(ClientMemory& client, const Outcome& outcome);

 private:
  void save_owner();
  // model_ is the first `end` floats of `version`, then the owner's shared model.
  bool is_partial_of(const ModelSnapshot& version, uint32_t end) const;

  ModelSnapshots& snapshots_;
  std::vector<float> model_;
  std::vector<float> gradient_;
  std::vector<uint8_t> tx_arena_;
  std::vector<uint8_t> delivery_;
  SharedTraining training_;
  ClientMemory* owner_ = nullptr;           // whose state model_ and gradient_ hold
  bool model_dirty_ = false;                // model_ differs from what owner_ keeps
  bool gradient_live_ = false;              // gradient_ holds owner_'s pending gradient, not saved
  bool regenerable_ = false;                // ... and owner_->pending_rows give it again
  ModelSnapshot* chunk_version_ = nullptr;  // owner_'s last chunk, while model_dirty_
  uint32_t chunk_end_ = 0;
  std::vector<std::vector<float>> gradient_pool_;
};

}  // namespace sim
}  // namespace fedgate
