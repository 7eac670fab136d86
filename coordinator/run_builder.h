// The run builder: turns a validated configuration and its test data into the
// parts a coordinator runs with (model, evaluator, server policies, metrics
// log, progress observer), then the coordinator itself. fedgate-coordinator and
// fedgate-sim both assemble their runs here; what surrounds the coordinator
// (ZeroMQ transport, or virtual clients and clock) stays with each program.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/checkpointer.h"
#include "coordinator/client_policy_settings.h"
#include "coordinator/coordinator.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/evaluator.h"
#include "coordinator/metrics.h"
#include "coordinator/model_saver.h"
#include "coordinator/progress_printer.h"
#include "coordinator/run_directory.h"
#include "core/data/dataset.h"
#include "core/models/model.h"

namespace fedgate {

// The evaluation data `config` names: data.test_csv, else the IDX pair.
Result<Dataset> load_test_data(const CoordinatorConfig& config);

// Where a run reports as it goes.
struct RunOutputs {
  std::FILE* progress = nullptr;  // progress lines and the final summary; null: none
  ProgressStyle style;
  // Seeds the metrics file's "run" line names beside model.seed (the simulator's sim.seed).
  std::vector<std::pair<std::string, uint64_t>> seeds;
};

class CoordinatorRun {
 public:
  // Fills in the model's shape where the config leaves it 0 (from
  // `training_data` when the caller holds it, as the simulator does, else from
  // the test data) and checks it against the data; builds the model, the
  // evaluator and the server policies (starting from model.init when given);
  // checks the client policies; opens run.dir (writing the effective config
  // there, and the log, metrics and model files as the run goes) and
  // run.metrics (default: the run directory's). Errors name the setting or
  // file at fault.
  static Result<std::unique_ptr<CoordinatorRun>> build(CoordinatorConfig config, Dataset test_data,
                                                       const RunOutputs& outputs,
                                                       const Dataset* training_data = nullptr);
  ~CoordinatorRun();
  CoordinatorRun(const CoordinatorRun&) = delete;
  CoordinatorRun& operator=(const CoordinatorRun&) = delete;

  // Hands the initial model and the policies to a new coordinator; call once.
  Coordinator& make_coordinator(const Clock& clock, ServerOutbox& outbox);

  // The configuration with the model's shape filled in.
  const CoordinatorConfig& config() const { return config_; }
  size_t dim() const { return model_->dim(); }
  // What the configured client policies need per client (state memory, payload).
  const ClientPolicyNeeds& client_needs() const { return client_needs_; }
  // The largest message a client and the coordinator exchange (a whole model,
  // the largest update, or server.max_message_bytes), for transport limits.
  size_t largest_message_bytes() const;
  const Evaluator& evaluator() const { return *evaluator_; }
  // The metrics file, or null without run.metrics.
  MetricsLog* log() { return log_.get(); }
  // Valid after make_coordinator().
  Coordinator& coordinator() { return *coordinator_; }
  // The run directory, or null without run.dir.
  const RunDirectory* directory() const { return directory_.get(); }
  // Where the program's own lines go: the progress stream, copied into the run
  // directory's log when there is one; null when neither exists.
  std::FILE* output() const { return output_; }
  // Checkpoint timing from run.checkpoint_* (coordinator/checkpointer.h).
  CheckpointSchedule checkpoint_schedule() const {
    return {config_.checkpoint_every_versions, config_.checkpoint_every_seconds,
            config_.checkpoints_kept};
  }

 private:
  explicit CoordinatorRun(CoordinatorConfig config);
  Status build_parts(Dataset test_data, const RunOutputs& outputs, const Dataset* training_data);
  Status open_directory(std::FILE* progress);
  Status load_initial_model(std::vector<float>* params) const;
  RunHeader run_header(const RunOutputs& outputs) const;

  CoordinatorConfig config_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Evaluator> evaluator_;
  std::unique_ptr<GlobalModel> initial_;
  std::unique_ptr<ServerPolicies> policies_;
  ClientPolicyNeeds client_needs_;
  std::unique_ptr<MetricsLog> log_;
  std::unique_ptr<ProgressPrinter> progress_;
  std::unique_ptr<RunDirectory> directory_;
  std::FILE* log_file_ = nullptr;  // the run directory's coordinator.log
  std::FILE* tee_ = nullptr;       // progress and log together
  std::FILE* output_ = nullptr;
  bool resuming_ = false;  // run.dir holds checkpoints: append to its log and metrics
  std::unique_ptr<ModelSaver> saver_;
  std::unique_ptr<Coordinator> coordinator_;
};

}  // namespace fedgate
