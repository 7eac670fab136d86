// RunDirectory: the one place a run writes to (run.dir): the effective
// configuration, metrics, the log and the models. It only hands out paths, so
// later outputs (checkpoints) get their names here too.
#pragma once

#include <string>

#include "core/base/status.h"

namespace fedgate {

class RunDirectory {
 public:
  // Creates `dir` and its missing parents, and checks a file can be made in it.
  // Errors name the path.
  static Result<RunDirectory> open(const std::string& dir);

  const std::string& path() const { return dir_; }
  std::string config_path() const { return dir_ + "/config.toml"; }
  std::string metrics_path() const { return dir_ + "/metrics.jsonl"; }
  std::string log_path() const { return dir_ + "/coordinator.log"; }
  std::string model_path() const { return dir_ + "/model.safetensors"; }
  std::string best_model_path() const { return dir_ + "/model-best.safetensors"; }

 private:
  explicit RunDirectory(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace fedgate
