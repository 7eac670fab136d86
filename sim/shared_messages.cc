#include "sim/shared_messages.h"

#include <cstring>

#include <flatbuffers/flatbuffers.h>

#include "core/protocol/codec.h"

namespace fedgate {
namespace sim {
namespace {

using ShareKey = std::tuple<int, size_t, uint32_t, uint32_t>;

// Which message this is among those worth sharing (kind 0: none): a Config, or
// a dense ModelChunk of one version and offset; with its size.
ShareKey share_key(const wire::Envelope& envelope, size_t size) {
  switch (envelope.message_type()) {
    case wire::Message::Config: return ShareKey{1, size, 0, 0};
    case wire::Message::ModelChunk: {
      const wire::ModelChunk& chunk = *envelope.message_as_ModelChunk();
      // Delta chunks are coded against each client's own copy: never equal.
      if (chunk.encoding() != wire::ModelEncoding::Dense || chunk.weights() == nullptr) break;
      return ShareKey{2, size, chunk.version(), chunk.offset()};
    }
    default: break;
  }
  return ShareKey{0, 0, 0, 0};
}

bool equal_but_seq(Span<const uint8_t> bytes, const SharedMessage& shared) {
  const size_t at = shared.seq_offset;
  return bytes.size() == shared.bytes.size() &&
         std::memcmp(bytes.data(), shared.bytes.data(), at) == 0 &&
         std::memcmp(bytes.data() + at + 4, shared.bytes.data() + at + 4, bytes.size() - at - 4) ==
             0;
}

}  // namespace

SharedMessages::~SharedMessages() {
  for (auto& entry : by_key_) {
    snapshots_.release(entry.second->snapshot);
    delete entry.second;
  }
}

SharedMessage* SharedMessages::intern(Span<const uint8_t> bytes, uint32_t* seq,
                                      uint32_t current_version, Span<const float> current_params) {
  const wire::Envelope* envelope = flatbuffers::GetRoot<wire::Envelope>(bytes.data());
  const ShareKey key = share_key(*envelope, bytes.size());
  if (std::get<0>(key) == 0) return nullptr;
  // Where this copy's seq lies (absent when it is the default 0: not shared).
  const uint8_t* seq_field =
      flatbuffers::GetRoot<flatbuffers::Table>(bytes.data())->GetAddressOf(wire::Envelope::VT_SEQ);
  if (seq_field == nullptr) return nullptr;
  const size_t seq_offset = static_cast<size_t>(seq_field - bytes.data());
  *seq = envelope->seq();
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    SharedMessage* shared = it->second;
    if (shared->seq_offset != seq_offset || !equal_but_seq(bytes, *shared)) return nullptr;
    ++shared->refs;
    return shared;
  }
  auto* shared = new SharedMessage;
  shared->bytes.assign(bytes.begin(), bytes.end());
  shared->seq_offset = seq_offset;
  shared->key = key;
  shared->refs = 1;
  if (envelope->message_type() == wire::Message::ModelChunk &&
      envelope->message_as_ModelChunk()->version() == current_version) {
    const wire::ModelChunk& chunk = *envelope->message_as_ModelChunk();
    shared->snapshot = snapshots_.acquire(current_version, current_params);
    shared->chunk_end = chunk.offset() + chunk.weights()->size();
  }
  by_key_[key] = shared;
  return shared;
}

void SharedMessages::release(SharedMessage* message) {
  if (message == nullptr || --message->refs > 0) return;
  by_key_.erase(message->key);
  snapshots_.release(message->snapshot);
  delete message;
}

Span<const uint8_t> SharedMessages::materialize(const SharedMessage& message, uint32_t seq,
                                                std::vector<uint8_t>* out) {
  out->assign(message.bytes.begin(), message.bytes.end());
  // FlatBuffers scalars are little-endian on the wire.
  for (int i = 0; i < 4; ++i) (*out)[message.seq_offset + i] = static_cast<uint8_t>(seq >> (8 * i));
  return Span<const uint8_t>(out->data(), out->size());
}

}  // namespace sim
}  // namespace fedgate
