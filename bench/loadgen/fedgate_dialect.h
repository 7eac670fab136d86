// The fedgate protocol spoken with one precomputed gradient: every Offer
// carries its norm and every Update its values, so the coordinator's checks
// (verification, norm match) all run while no client trains.
#pragma once

#include <vector>

#include "bench/loadgen/fleet_dialect.h"
#include "core/protocol/aligned_message.h"
#include "core/protocol/codec.h"

namespace fedgate::loadgen {

class FedgateDialect : public FleetDialect {
 public:
  // A softmax model of `num_features` inputs and `num_classes` outputs.
  FedgateDialect(uint32_t num_features, uint32_t num_classes, uint32_t seed);

  Span<const uint8_t> hello(uint32_t seq, uint32_t client) override;
  Span<const uint8_t> offer(uint32_t seq, uint32_t version) override;
  Span<const uint8_t> update(uint32_t seq, uint32_t version) override;
  Reply read(Span<const uint8_t> bytes) override;

  uint32_t dim() const { return static_cast<uint32_t>(gradient_.size()); }
  // The sizes of every message of one exchange with chunks of `chunk_floats`.
  ExchangeSizes sizes(uint32_t chunk_floats);

 private:
  uint32_t num_features_;
  uint32_t num_classes_;
  std::vector<float> gradient_;
  float norm_ = 0;
  std::vector<uint8_t> arena_;
  MessageWriter writer_;
  AlignedMessage aligned_;
  char name_[32] = {};
};

}  // namespace fedgate::loadgen
