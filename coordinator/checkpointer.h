// Checkpointer: when and where a run's checkpoints are written, which are
// kept, and resuming from the newest good one (docs/run-directory.md,
// "Checkpoints and resume"). Files are DIR/checkpoint-NNNNNN.fgck, numbered
// in the order they were written; only the last `kept` stay.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "coordinator/clock.h"
#include "coordinator/coordinator.h"

namespace fedgate {

struct CheckpointSchedule {
  uint32_t every_versions = 1000;  // run.checkpoint_every_versions; 0 = not by versions
  double every_seconds = 60;       // run.checkpoint_every_seconds; 0 = not by time
  uint32_t kept = 3;               // run.checkpoints_kept (at least 1)
};

class Checkpointer {
 public:
  // Messages (resumed from, a bad file skipped, a failed write) go to `out`
  // (stderr when null).
  Checkpointer(std::string dir, const CheckpointSchedule& schedule, const Clock& clock,
               std::FILE* out);

  // Restores `coordinator` (built, not started) from the newest checkpoint
  // that reads back whole, naming every truncated or corrupt one it skips.
  // True when it resumed, false when there is none to resume from; an error
  // when the newest good one belongs to another kind of run.
  Result<bool> resume(Coordinator& coordinator);
  // Writes a checkpoint when `every_versions` versions or `every_seconds`
  // seconds have passed since the last one (and the model has moved).
  void maybe_save(const Coordinator& coordinator);
  // Writes a checkpoint now (on the way out), then drops the oldest beyond `kept`.
  Status save(const Coordinator& coordinator);

  // The checkpoint files in `dir`, oldest first.
  static std::vector<std::string> list(const std::string& dir);
  // The path of the last one written or resumed from ("" when none).
  const std::string& last_path() const { return last_path_; }

 private:
  void prune();

  std::string dir_;
  CheckpointSchedule schedule_;
  const Clock& clock_;
  std::FILE* out_;
  uint64_t next_number_ = 1;
  uint32_t last_version_ = 0;
  int64_t last_us_ = 0;
  std::string last_path_;
};

}  // namespace fedgate
