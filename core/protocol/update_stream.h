// Streaming a dense Update that does not fit a transmit buffer.
//
// A microcontroller holds the model and its gradient (62.8 KB for 7,850
// parameters) but not a third 31 KB buffer for the serialised Update. The
// codec builds an Update with its values vector first, so the float values lie
// at the tail of the finished FlatBuffer and the bytes before them (the "head")
// depend only on the other fields and the value count. update_head() builds
// just that head into a small caller-owned arena; head followed by the raw
// little-endian floats is byte for byte the message MessageWriter::update()
// builds, and goes out as one ZeroMQ message (e.g. one ZMTP long frame written
// in two parts).
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/protocol/codec.h"

namespace fedgate {

// Arena bytes update_head() needs: a MessageWriter's overhead, two stand-in
// floats and the alignment it trims.
constexpr size_t kUpdateHeadArenaBytes = kMessageOverhead + 32;

// Builds the head of the dense Update for `info` (its values are not read,
// only their count) into `arena`, with MessageWriter::update() itself, so the
// head holds exactly the fields the codec writes. The span is valid until
// `arena` is reused. The message is the head followed by info.values' bytes.
// Fails with kResourceExhausted when the arena is smaller than kUpdateHeadArenaBytes,
// kInvalidArgument for zero values (models have at least one parameter).
Result<Span<const uint8_t>> update_head(Span<uint8_t> arena, uint32_t seq, const UpdateInfo& info);

}  // namespace fedgate
