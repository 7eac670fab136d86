#include "core/protocol/update_stream.h"

#include <cstring>

namespace fedgate {
namespace {

// Hands the builder the caller's arena, once; never more.
class FixedAllocator : public flatbuffers::Allocator {
 public:
  explicit FixedAllocator(Span<uint8_t> arena) : arena_(arena) {}
  uint8_t* allocate(size_t size) override { return size <= arena_.size() ? arena_.data() : nullptr; }
  void deallocate(uint8_t*, size_t) override {}

 private:
  Span<uint8_t> arena_;
};

}  // namespace

Result<Span<const uint8_t>> update_head(Span<uint8_t> arena, uint32_t seq, const UpdateInfo& info) {
  if (arena.size() < kUpdateHeadArenaBytes) {
    return Status::error(StatusCode::kResourceExhausted,
                         "update head needs a %zu-byte arena, got %zu", kUpdateHeadArenaBytes,
                         arena.size());
  }
  const uint32_t count = static_cast<uint32_t>(info.values.size());
  // Every offset in a FlatBuffer is relative, and padding depends on sizes
  // modulo the alignment (at most 8): a vector of count % 2 floats gives the
  // same head as one of `count` floats, apart from the vector's length word.
  const uint32_t stand_in_count = count % 2;
  const float stand_in[1] = {0.0f};
  FixedAllocator allocator(arena);
  flatbuffers::FlatBufferBuilder builder(arena.size(), &allocator, false, kMessageAlignment);
  // Same fields, same order as MessageWriter::update(): the values vector first.
  auto values = builder.CreateVector(stand_in, stand_in_count);
  CompressedVector dense;
  dense.dim = count;
  auto body = build_update_table(builder, info, dense, values, {}).Union();
  auto envelope = wire::CreateEnvelope(builder, kProtocolVersion, seq, wire::Message::Update, body);
  wire::FinishEnvelopeBuffer(builder, envelope);

  uint8_t* bytes = builder.GetBufferPointer();
  const size_t head_size = builder.GetSize() - stand_in_count * sizeof(float);
  // The length word sits right before the values: make it the real count.
  const uint32_t length = flatbuffers::EndianScalar(count);
  std::memcpy(bytes + head_size - sizeof(uint32_t), &length, sizeof(length));
  return Span<const uint8_t>(bytes, head_size);
}

}  // namespace fedgate
