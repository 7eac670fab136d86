#include "coordinator/run_builder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/version.h"
#include "coordinator/atomic_file.h"
#include "coordinator/checkpointer.h"
#include "coordinator/logging.h"
#include "coordinator/model_file.h"
#include "coordinator/policy_setup.h"
#include "coordinator/tee_file.h"
#include "core/data/csv_reader.h"
#include "core/data/idx_reader.h"
#include "core/models/model_factory.h"
#include "core/protocol/codec.h"

namespace fedgate {

Result<Dataset> load_test_data(const CoordinatorConfig& config) {
  if (!config.test_csv.empty()) {
    return load_csv(config.test_csv, CsvOptions{config.csv_label_column});
  }
  return load_idx(config.test_images, config.test_labels);
}

CoordinatorRun::CoordinatorRun(CoordinatorConfig config) : config_(std::move(config)) {}

CoordinatorRun::~CoordinatorRun() {
  if (log_file_ != nullptr) copy_log_to(nullptr);
  if (tee_ != nullptr) std::fclose(tee_);
  if (log_file_ != nullptr) std::fclose(log_file_);
}

Result<std::unique_ptr<CoordinatorRun>> CoordinatorRun::build(CoordinatorConfig config,
                                                              Dataset test_data,
                                                              const RunOutputs& outputs,
                                                              const Dataset* training_data) {
  std::unique_ptr<CoordinatorRun> run(new CoordinatorRun(std::move(config)));
  FG_TRY(run->build_parts(std::move(test_data), outputs, training_data));
  return run;
}

Status CoordinatorRun::build_parts(Dataset test_data, const RunOutputs& outputs,
                                   const Dataset* training_data) {
  // The data decides the model's shape unless the config pins it.
  const Dataset& shape = training_data != nullptr ? *training_data : test_data;
  ModelSpec& spec = config_.settings.model;
  if (spec.num_features == 0) spec.num_features = shape.num_features;
  if (spec.num_classes == 0) {
    spec.num_classes = spec.kind == ModelKind::kLeastSquares ? 1 : shape.num_classes;
  }
  if (training_data != nullptr) {
    if (spec.num_features != training_data->num_features ||
        test_data.num_features != training_data->num_features) {
      return Status::error(StatusCode::kInvalidArgument,
                           "model.num_features = %u, training data has %u, test data %u",
                           spec.num_features, training_data->num_features, test_data.num_features);
    }
  } else if (spec.num_features != test_data.num_features) {
    return Status::error(StatusCode::kInvalidArgument,
                         "model.num_features = %u but test data has %u", spec.num_features,
                         test_data.num_features);
  }
  FG_ASSIGN_OR_RETURN(model_, make_model(spec));
  std::vector<float> initial(model_->dim());
  model_->init_params(initial, config_.seed);
  if (!config_.model_init.empty()) FG_TRY(load_initial_model(&initial));
  initial_ = std::make_unique<GlobalModel>(std::move(initial));
  FG_ASSIGN_OR_RETURN(ServerPolicies policies, make_server_policies(config_, *initial_));
  policies_ = std::make_unique<ServerPolicies>(std::move(policies));
  FG_ASSIGN_OR_RETURN(client_needs_,
                      check_client_policy_settings(config_.settings.client_policies, spec,
                                                   model_->dim(), config_.settings.batch_size));
  if (!config_.run_dir.empty()) {
    FG_TRY(open_directory(outputs.progress));
  } else {
    output_ = outputs.progress;
  }
  if (!config_.metrics_path.empty()) {
    log_ = std::make_unique<MetricsLog>();
    if (!log_->open(config_.metrics_path, resuming_)) {
      return Status::error(StatusCode::kNotFound, "cannot write metrics to %s: %s",
                           config_.metrics_path.c_str(), std::strerror(errno));
    }
    log_->set_clients_in_evals(config_.metrics_clients);
    log_->write_line(run_header_json(run_header(outputs)));
  }
  evaluator_ = std::make_unique<Evaluator>(*model_, std::move(test_data));
  if (output_ != nullptr) progress_ = std::make_unique<ProgressPrinter>(output_, outputs.style);
  if (directory_ != nullptr) {
    saver_ = std::make_unique<ModelSaver>(spec, directory_->model_path(),
                                          directory_->best_model_path(), progress_.get());
    if (resuming_) saver_->keep_best_on_disk();
  }
  return Status::ok();
}

RunHeader CoordinatorRun::run_header(const RunOutputs& outputs) const {
  RunHeader header;
  header.version = kVersionText;
  header.config_json = coordinator_config_json(config_);
  header.seeds.emplace_back("model.seed", config_.seed);
  header.seeds.insert(header.seeds.end(), outputs.seeds.begin(), outputs.seeds.end());
  header.started_utc = utc_now_iso8601();
  return header;
}

Status CoordinatorRun::load_initial_model(std::vector<float>* params) const {
  Result<SavedModel> saved = read_model_file(config_.model_init);
  if (!saved.is_ok()) {
    return Status::error(StatusCode::kInvalidArgument, "model.init: %s", saved.status().message());
  }
  Result<std::vector<float>> loaded = model_params(*saved, config_.settings.model);
  if (!loaded.is_ok()) {
    return Status::error(StatusCode::kInvalidArgument, "model.init: %s", loaded.status().message());
  }
  *params = std::move(loaded).value();
  return Status::ok();
}

Status CoordinatorRun::open_directory(std::FILE* progress) {
  FG_ASSIGN_OR_RETURN(RunDirectory directory, RunDirectory::open(config_.run_dir));
  directory_ = std::make_unique<RunDirectory>(std::move(directory));
  // An explicit run.metrics (or --metrics) wins over the directory's.
  if (config_.metrics_path.empty()) config_.metrics_path = directory_->metrics_path();
  const std::string text = render_coordinator_config(config_);
  FG_TRY(write_file_atomically(
      directory_->config_path(),
      Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  // A run with checkpoints resumes (coordinator/checkpointer.h): its log and
  // metrics go on where they stopped.
  resuming_ = !Checkpointer::list(directory_->path()).empty();
  log_file_ = std::fopen(directory_->log_path().c_str(), resuming_ ? "a" : "w");
  if (log_file_ == nullptr) {
    return Status::error(StatusCode::kUnavailable, "cannot write %s: %s",
                         directory_->log_path().c_str(), std::strerror(errno));
  }
  tee_ = open_tee(progress, log_file_);
  copy_log_to(log_file_);  // the levelled log lines too (coordinator/logging.h)
  output_ = tee_ != nullptr ? tee_ : progress;
  return Status::ok();
}

Coordinator& CoordinatorRun::make_coordinator(const Clock& clock, ServerOutbox& outbox) {
  RunObserver* observer =
      saver_ != nullptr ? static_cast<RunObserver*>(saver_.get()) : progress_.get();
  coordinator_ =
      std::make_unique<Coordinator>(config_.settings, std::move(*initial_), std::move(*policies_),
                                    evaluator_.get(), clock, outbox, log_.get(), observer);
  if (saver_ != nullptr) saver_->attach(*coordinator_);
  initial_.reset();
  policies_.reset();
  return *coordinator_;
}

size_t CoordinatorRun::largest_message_bytes() const {
  const size_t model_bytes = model_->dim() * sizeof(float);
  return std::max<size_t>(std::max(model_bytes, client_needs_.max_payload_bytes) + kMessageOverhead,
                          config_.settings.max_message_bytes);
}

}  // namespace fedgate
