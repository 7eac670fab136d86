#include "coordinator/checkpointer.h"

#include <algorithm>
#include <cinttypes>
#include <cstdlib>
#include <filesystem>

#include "coordinator/checkpoint.h"

namespace fedgate {
namespace {

constexpr char kPrefix[] = "checkpoint-";
constexpr char kSuffix[] = ".fgck";

// The number in "checkpoint-NNNNNN.fgck", or 0 when `name` is not one.
uint64_t checkpoint_number(const std::string& name) {
  const size_t prefix = sizeof(kPrefix) - 1, suffix = sizeof(kSuffix) - 1;
  if (name.size() <= prefix + suffix || name.compare(0, prefix, kPrefix) != 0 ||
      name.compare(name.size() - suffix, suffix, kSuffix) != 0) {
    return 0;
  }
  const std::string digits = name.substr(prefix, name.size() - prefix - suffix);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::strtoull(digits.c_str(), nullptr, 10);
}

}  // namespace

Checkpointer::Checkpointer(std::string dir, const CheckpointSchedule& schedule, const Clock& clock,
                           std::FILE* out)
    : dir_(std::move(dir)),
      schedule_(schedule),
      clock_(clock),
      out_(out != nullptr ? out : stderr),
      last_us_(clock.now_us()) {
  const std::vector<std::string> existing = list(dir_);
  if (!existing.empty()) {
    next_number_ = checkpoint_number(std::filesystem::path(existing.back()).filename()) + 1;
  }
}

std::vector<std::string> Checkpointer::list(const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const uint64_t number = checkpoint_number(entry.path().filename());
    if (number != 0) found.emplace_back(number, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> paths;
  paths.reserve(found.size());
  for (auto& [number, path] : found) paths.push_back(std::move(path));
  return paths;
}

Result<bool> Checkpointer::resume(Coordinator& coordinator) {
  const std::vector<std::string> paths = list(dir_);
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    Result<CheckpointSections> sections = read_checkpoint_file(*it);
    if (!sections.is_ok()) {
      std::fprintf(out_, "checkpoint %s is unusable (%s); trying the one before it\n", it->c_str(),
                   sections.status().message());
      continue;
    }
    Status restored = CoordinatorCheckpoint::restore(*sections, coordinator);
    if (!restored.is_ok()) {
      std::fprintf(out_, "checkpoint %s does not fit this run: %s\n", it->c_str(),
                   restored.message());
      return restored;
    }
    last_path_ = *it;
    last_version_ = coordinator.model().version();
    last_us_ = clock_.now_us();
    std::fprintf(out_, "resumed from checkpoint %s at version %u\n", it->c_str(), last_version_);
    std::fflush(out_);
    return true;
  }
  if (!paths.empty()) std::fprintf(out_, "no usable checkpoint: starting afresh\n");
  return false;
}

void Checkpointer::maybe_save(const Coordinator& coordinator) {
  const uint32_t version = coordinator.model().version();
  if (version == last_version_) return;
  const bool by_versions =
      schedule_.every_versions != 0 && version - last_version_ >= schedule_.every_versions;
  const bool by_time =
      schedule_.every_seconds > 0 &&
      static_cast<double>(clock_.now_us() - last_us_) / 1e6 >= schedule_.every_seconds;
  if (!by_versions && !by_time) return;
  Status saved = save(coordinator);
  if (!saved.is_ok()) {
    // Training goes on; the next attempt comes with the next due point.
    std::fprintf(out_, "checkpoint not written: %s\n", saved.message());
  }
}

Status Checkpointer::save(const Coordinator& coordinator) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%06" PRIu64 "%s", kPrefix, next_number_, kSuffix);
  const std::string path = dir_ + "/" + name;
  // Counted as done even when the write fails, so a full disk is not retried on every message.
  last_version_ = coordinator.model().version();
  last_us_ = clock_.now_us();
  FG_TRY(write_checkpoint_file(path, CoordinatorCheckpoint::save(coordinator)));
  ++next_number_;
  last_path_ = path;
  prune();
  return Status::ok();
}

void Checkpointer::prune() {
  std::vector<std::string> paths = list(dir_);
  const size_t kept = std::max<uint32_t>(schedule_.kept, 1);
  for (size_t i = 0; i + kept < paths.size(); ++i) {
    std::error_code ignored;
    std::filesystem::remove(paths[i], ignored);
  }
}

}  // namespace fedgate
