// SharedMessages: coordinator messages that many clients receive with the same
// bytes apart from the envelope's seq (a version's ModelChunks, the Config),
// stored once and patched with each copy's seq when it is delivered. At start
// the coordinator sends the whole model to every client before any of them has
// read it: 1,000,000 clients would otherwise queue 31 GB of identical chunks.
//
// A message is shared only when it equals the stored one byte for byte outside
// the seq field, so a delivered message is always exactly what was sent. Each
// shared ModelChunk also holds the model snapshot of its version (the version
// the coordinator held when it first sent it), which clients that end up with
// exactly that model share in turn (docs/simulator.md, "Memory").
//
// Not thread-safe: interning and releasing happen on the event loop's thread;
// workers only read a shared message's bytes while an event holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "core/base/span.h"
#include "sim/model_snapshots.h"

namespace fedgate {
namespace sim {

struct SharedMessage {
  std::vector<uint8_t> bytes;  // as first sent; a copy's seq goes at seq_offset
  size_t seq_offset = 0;
  std::tuple<int, size_t, uint32_t, uint32_t> key;  // kind, size, version, offset
  uint32_t refs = 0;
  ModelSnapshot* snapshot = nullptr;  // a ModelChunk's version, referenced
  uint32_t chunk_end = 0;             // and where the chunk ends (offset + count)
};

class SharedMessages {
 public:
  explicit SharedMessages(ModelSnapshots& snapshots) : snapshots_(snapshots) {}
  ~SharedMessages();
  SharedMessages(const SharedMessages&) = delete;
  SharedMessages& operator=(const SharedMessages&) = delete;

  // The shared form of `bytes` (a verified coordinator message) with one more
  // reference, or null when it is not a kind worth sharing or differs from the
  // stored one. `current_version`/`current_params`: the coordinator's model now,
  // the snapshot a new ModelChunk of that version refers to.
  SharedMessage* intern(Span<const uint8_t> bytes, uint32_t* seq, uint32_t current_version,
                        Span<const float> current_params);
  void release(SharedMessage* message);
  size_t live() const { return by_key_.size(); }

  // The message as sent with `seq`, written into `out`.
  static Span<const uint8_t> materialize(const SharedMessage& message, uint32_t seq,
                                         std::vector<uint8_t>* out);

 private:
  ModelSnapshots& snapshots_;
  std::map<std::tuple<int, size_t, uint32_t, uint32_t>, SharedMessage*> by_key_;
};

}  // namespace sim
}  // namespace fedgate
