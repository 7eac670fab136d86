#include "firmware/stm32/board/runtime.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstddef>
#include <new>

#include "firmware/stm32/board/console.h"
#include "firmware/stm32/board/fault.h"

namespace fedgate::stm32 {
namespace {
uint32_t g_heap_requests = 0;
}
uint32_t heap_requests() { return g_heap_requests; }
}  // namespace fedgate::stm32

extern "C" {

// No heap: malloc (if anything pulls it in) gets ENOMEM, and the attempt is counted.
void* _sbrk(ptrdiff_t) {
  ++fedgate::stm32::g_heap_requests;
  errno = ENOMEM;
  return reinterpret_cast<void*>(-1);
}

int _write(int, const char* data, int size) {
  char chunk[65];
  int done = 0;
  while (done < size) {
    int n = size - done < 64 ? size - done : 64;
    for (int i = 0; i < n; ++i) chunk[i] = data[done + i];
    chunk[n] = '\0';
    fedgate::stm32::console_write(chunk);
    done += n;
  }
  return size;
}
int _read(int, char*, int) { return 0; }
int _close(int) { return -1; }
int _lseek(int, int, int) { return 0; }
int _fstat(int, struct stat* st) {
  st->st_mode = S_IFCHR;
  return 0;
}
int _isatty(int) { return 1; }
int _getpid() { return 1; }
int _kill(int, int) {
  errno = EINVAL;
  return -1;
}
void _exit(int) { fedgate::stm32::report_fault("exit", nullptr); }
void abort() { fedgate::stm32::report_fault("abort", nullptr); }
void __cxa_pure_virtual() { fedgate::stm32::report_fault("pure virtual call", nullptr); }

}  // extern "C"

// Nothing on the device allocates: these keep libstdc++'s allocator (and malloc) out of the
// image. Reaching one is a bug, reported like a fault.
void* operator new(std::size_t) { fedgate::stm32::report_fault("operator new", nullptr); }
void* operator new[](std::size_t) { fedgate::stm32::report_fault("operator new[]", nullptr); }
void operator delete(void*) noexcept {}
void operator delete(void*, std::size_t) noexcept {}
void operator delete[](void*) noexcept {}
void operator delete[](void*, std::size_t) noexcept {}
