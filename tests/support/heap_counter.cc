#include "tests/support/heap_counter.h"

#if FEDGATE_COUNT_MALLOC
namespace {
volatile size_t g_heap_calls = 0;
}  // namespace

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void* malloc(size_t size) noexcept {
  g_heap_calls = g_heap_calls + 1;
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) noexcept {
  g_heap_calls = g_heap_calls + 1;
  return __libc_calloc(count, size);
}
void* realloc(void* ptr, size_t size) noexcept {
  g_heap_calls = g_heap_calls + 1;
  return __libc_realloc(ptr, size);
}
}
#endif

namespace fedgate {

size_t heap_calls() {
#if FEDGATE_COUNT_MALLOC
  return g_heap_calls;
#else
  return 0;
#endif
}

}  // namespace fedgate
