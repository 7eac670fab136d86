// The checkpoint file format (docs/run-directory.md, "Checkpoint files"): a
// fixed header (magic, format version, CRC-32 and length of the body), then a
// body of named sections, each an opaque byte string that its owner (the
// model, the coordinator's counters, a policy) encodes with StateWriter. A
// truncated or corrupt file is refused as a whole, before any section is used.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate {

inline constexpr char kCheckpointMagic[8] = {'F', 'G', 'C', 'H', 'K', 'P', 'T', '\0'};
inline constexpr uint32_t kCheckpointFormatVersion = 1;
inline constexpr size_t kCheckpointHeaderBytes = 24;  // magic, version, CRC-32, body length

struct CheckpointSection {
  std::string name;
  std::vector<uint8_t> bytes;
};
using CheckpointSections = std::vector<CheckpointSection>;

std::vector<uint8_t> encode_checkpoint(const CheckpointSections& sections);
// The sections of a whole file's bytes; kDataLoss when it is truncated, its
// CRC does not match or its sections are malformed, kInvalidArgument for a
// file that is not a checkpoint or of another format version.
Result<CheckpointSections> decode_checkpoint(Span<const uint8_t> bytes);

// Atomically replaces `path` (docs/run-directory.md: temporary file, fsync, rename).
Status write_checkpoint_file(const std::string& path, const CheckpointSections& sections);
// The caller names `path` in its message (a Status holds only 120 characters).
Result<CheckpointSections> read_checkpoint_file(const std::string& path);

// The section called `name`, or null.
const CheckpointSection* find_section(const CheckpointSections& sections, const std::string& name);

}  // namespace fedgate
