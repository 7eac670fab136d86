// CoordinatorCheckpoint: a running coordinator's state as checkpoint sections,
// and back (docs/run-directory.md, "Checkpoints and resume"). A checkpoint
// holds the model and its version, the coordinator's counters and sequence
// number, the client registry, the run time so far, and each server policy's
// own state (acceptance window, stepsize estimates, staleness snapshots,
// aggregation rounds and RNG). Messages in flight are not part of it: clients
// re-sync on their own when the coordinator comes back.
#pragma once

#include <cstdint>

#include "coordinator/checkpoint_file.h"
#include "coordinator/coordinator.h"

namespace fedgate {

class CoordinatorCheckpoint {
 public:
  static CheckpointSections save(const Coordinator& coordinator);
  // Restores into a coordinator built from the current configuration but not
  // yet started. kFailedPrecondition when the checkpoint belongs to another
  // kind of run (model kind or shape, policy names), saying what differs;
  // kInvalidArgument when a section does not fit this run (e.g. a window of
  // another size). On error the coordinator must not be started.
  static Status restore(const CheckpointSections& sections, Coordinator& coordinator);
  // The model version a checkpoint holds (0 when it has no model section).
  static uint32_t version(const CheckpointSections& sections);
};

}  // namespace fedgate
