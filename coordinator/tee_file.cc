#include "coordinator/tee_file.h"

#include <stdio.h>

#include <initializer_list>
#include <memory>

namespace fedgate {
namespace {

struct Targets {
  std::FILE* first;
  std::FILE* second;
};

ssize_t write_both(void* cookie, const char* data, size_t size) {
  const Targets& targets = *static_cast<const Targets*>(cookie);
  for (std::FILE* out : {targets.first, targets.second}) {
    if (out == nullptr) continue;
    // A failing copy (a full disk under the log) must not stop the other one;
    // the stream reports the whole size written either way.
    if (std::fwrite(data, 1, size, out) == size) std::fflush(out);
  }
  return static_cast<ssize_t>(size);
}

int close_targets(void* cookie) {
  delete static_cast<Targets*>(cookie);
  return 0;
}

}  // namespace

std::FILE* open_tee(std::FILE* first, std::FILE* second) {
  auto targets = std::make_unique<Targets>(Targets{first, second});
  cookie_io_functions_t functions{};
  functions.write = write_both;
  functions.close = close_targets;
  std::FILE* tee = fopencookie(targets.get(), "w", functions);
  if (tee == nullptr) return nullptr;
  (void)targets.release();  // the stream owns it now; close_targets frees it
  setvbuf(tee, nullptr, _IOLBF, 0);
  return tee;
}

}  // namespace fedgate
