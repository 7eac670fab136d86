#include "coordinator/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fedgate {
namespace {

Status io_error(const char* step, const std::string& path) {
  return Status::error(StatusCode::kUnavailable, "cannot %s %s: %s", step, path.c_str(),
                       std::strerror(errno));
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_all(int fd, Span<const uint8_t> bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", path);
    done += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace

Status write_file_atomically(const std::string& path, Span<const uint8_t> bytes) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("create", temp);
  Status written = write_all(fd, bytes, temp);
  if (written.is_ok() && ::fsync(fd) != 0) written = io_error("flush", temp);
  if (::close(fd) != 0 && written.is_ok()) written = io_error("close", temp);
  if (written.is_ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    written = io_error("rename onto", path);
  }
  if (!written.is_ok()) {
    ::unlink(temp.c_str());
    return written;
  }
  const std::string directory = directory_of(path);
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return io_error("open directory", directory);
  const bool synced = ::fsync(dir_fd) == 0;
  ::close(dir_fd);
  if (!synced) return io_error("flush directory", directory);
  return Status::ok();
}

}  // namespace fedgate
