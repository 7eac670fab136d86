#include "core/protocol/update_stream.h"

#include <cstring>

namespace fedgate {

Result<Span<const uint8_t>> update_head(Span<uint8_t> arena, uint32_t seq, const UpdateInfo& info) {
  if (arena.size() < kUpdateHeadArenaBytes) {
    return Status::error(StatusCode::kResourceExhausted,
                         "update head needs a %zu-byte arena, got %zu", kUpdateHeadArenaBytes,
                         arena.size());
  }
  const uint32_t count = static_cast<uint32_t>(info.values.size());
  if (count == 0) {
    // dim = 0 is a default the codec does not store: no stand-in has that layout.
    return Status::error(StatusCode::kInvalidArgument,
                         "a streamed Update needs at least one value");
  }
  // Every offset in a FlatBuffer is relative, and padding depends on sizes modulo the
  // alignment (at most 8): an Update built by the codec itself with a stand-in of 1 or 2
  // floats (same parity as `count`; never 0, so `dim` is stored) has the same head as one
  // of `count` floats, apart from `dim` and the values' length word, patched below.
  // Building it with MessageWriter keeps the head right whatever fields the codec writes.
  const uint32_t stand_in_count = count % 2 == 1 ? 1 : 2;
  const float stand_in[2] = {0.0f, 0.0f};
  UpdateInfo stand_in_info = info;
  stand_in_info.values = Span<const float>(stand_in, stand_in_count);
  stand_in_info.vector = CompressedVector();  // a dense Update: the codec reads `values`
  MessageWriter writer(arena);
  FG_ASSIGN_OR_RETURN(Span<const uint8_t> built, writer.update(seq, stand_in_info));
  uint8_t* bytes = const_cast<uint8_t*>(built.data());  // the writer built it in `arena`
  const size_t head_size = built.size() - stand_in_count * sizeof(float);

  // dim: find the field through the Update table's vtable and write the real count.
  const wire::Envelope* envelope = wire::GetEnvelope(bytes);
  const auto* update = reinterpret_cast<const uint8_t*>(envelope->message_as_Update());
  if (update == nullptr) return Status::error(StatusCode::kInternal, "codec built no Update");
  const uint8_t* vtable = update - flatbuffers::ReadScalar<flatbuffers::soffset_t>(update);
  const auto vtable_size = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable);
  const flatbuffers::voffset_t dim_offset =
      wire::Update::VT_DIM < vtable_size
          ? flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable + wire::Update::VT_DIM)
          : 0;
  if (dim_offset == 0) return Status::error(StatusCode::kInternal, "Update has no dim field");
  flatbuffers::WriteScalar(bytes + (update - bytes) + dim_offset, count);
  // The vector's length word sits right before its values.
  flatbuffers::WriteScalar(bytes + head_size - sizeof(uint32_t), count);
  return Span<const uint8_t>(bytes, head_size);
}

}  // namespace fedgate
