// A stdio stream that writes to two others: the coordinator's progress lines
// go to the terminal and into the run directory's log alike.
#pragma once

#include <cstdio>

namespace fedgate {

// A line-buffered stream copying every write to `first` and `second` (either
// may be null); fclose it to flush. Neither is closed with it. Null when the
// stream cannot be made.
std::FILE* open_tee(std::FILE* first, std::FILE* second);

}  // namespace fedgate
