// The gateway's log: levelled, timestamped lines (spdlog) for what an operator
// or the systemd journal should see: the endpoint, transport trouble, errors,
// and at debug level every Error reply and registration. The progress lines and
// the summary stay plain text on stdout (coordinator/progress_printer.h).
#pragma once

#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "core/base/status.h"

namespace fedgate {

// What --log-level and run.log_level accept, from the most to the least said.
inline constexpr const char* kLogLevelNames = "trace, debug, info, warn, error, critical, off";
inline constexpr const char* kDefaultLogLevel = "info";

// kInvalidArgument naming the value and the allowed names unless `name` is one of them.
Status check_log_level(const std::string& name);

// Sends the default logger's lines to stderr, coloured only when stderr is a
// terminal (the journal gets plain text), at `level` (checked: see above).
Status start_logging(const std::string& level);

// Copies every log line into `file` as well (the run directory's
// coordinator.log), flushed per line; null stops the copy. `file` must stay
// open until the copy stops.
void copy_log_to(std::FILE* file);

}  // namespace fedgate
