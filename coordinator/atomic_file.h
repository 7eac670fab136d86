// Whole-file writes that a crash cannot leave half done: the bytes go to a
// temporary file beside the target, are flushed to disk, and replace the target
// by rename; the directory is flushed too so the rename itself survives. The
// model files use it now, checkpoints later.
#pragma once

#include <string>

#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate {

// Replaces `path` with `bytes`. Errors name the path and the failing step.
Status write_file_atomically(const std::string& path, Span<const uint8_t> bytes);

}  // namespace fedgate
