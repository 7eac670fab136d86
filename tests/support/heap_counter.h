// Counts the process's malloc, calloc and realloc calls, for tests that prove a
// code path never touches the heap. Add heap_counter.cc to the test binary: on
// glibc its definitions interpose the C library's (operator new goes through
// malloc). AddressSanitizer interposes malloc itself; there nothing is counted
// and FEDGATE_COUNT_MALLOC is 0, so tests can skip what needs the count.
#pragma once

#include <cstddef>

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define FEDGATE_COUNT_MALLOC 1
#else
#define FEDGATE_COUNT_MALLOC 0
#endif

namespace fedgate {

// Heap calls so far (always 0 where FEDGATE_COUNT_MALLOC is 0).
size_t heap_calls();

}  // namespace fedgate
