#include "coordinator/run_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fedgate {
namespace {

Status cannot(const char* what, const std::string& path) {
  return Status::error(StatusCode::kUnavailable, "run.dir: cannot %s %s: %s", what, path.c_str(),
                       std::strerror(errno));
}

// mkdir -p.
Status make_directories(const std::string& dir) {
  for (size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    const std::string prefix = dir.substr(0, slash);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return cannot("create", prefix);
    }
    if (slash == std::string::npos) return Status::ok();
  }
}

}  // namespace

Result<RunDirectory> RunDirectory::open(const std::string& dir) {
  if (dir.empty()) return Status::error(StatusCode::kInvalidArgument, "run.dir is empty");
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  FG_TRY(make_directories(trimmed));
  struct stat info;
  if (::stat(trimmed.c_str(), &info) != 0) return cannot("open", trimmed);
  if (!S_ISDIR(info.st_mode)) {
    errno = ENOTDIR;
    return cannot("use", trimmed);
  }
  if (::access(trimmed.c_str(), W_OK | X_OK) != 0) return cannot("write to", trimmed);
  return RunDirectory(trimmed);
}

}  // namespace fedgate
