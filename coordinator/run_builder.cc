#include "coordinator/run_builder.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "coordinator/policy_setup.h"
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

CoordinatorRun::~CoordinatorRun() = default;

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
  initial_ = std::make_unique<GlobalModel>(std::move(initial));
  FG_ASSIGN_OR_RETURN(ServerPolicies policies, make_server_policies(config_, *initial_));
  policies_ = std::make_unique<ServerPolicies>(std::move(policies));
  FG_ASSIGN_OR_RETURN(client_needs_,
                      check_client_policy_settings(config_.settings.client_policies, spec,
                                                   model_->dim(), config_.settings.batch_size));
  if (!config_.metrics_path.empty()) {
    log_ = std::make_unique<MetricsLog>();
    if (!log_->open(config_.metrics_path)) {
      return Status::error(StatusCode::kNotFound, "cannot write metrics to %s: %s",
                           config_.metrics_path.c_str(), std::strerror(errno));
    }
  }
  evaluator_ = std::make_unique<Evaluator>(*model_, std::move(test_data));
  if (outputs.progress != nullptr) {
    progress_ = std::make_unique<ProgressPrinter>(outputs.progress, outputs.style);
  }
  return Status::ok();
}

Coordinator& CoordinatorRun::make_coordinator(const Clock& clock, ServerOutbox& outbox) {
  coordinator_ =
      std::make_unique<Coordinator>(config_.settings, std::move(*initial_), std::move(*policies_),
                                    evaluator_.get(), clock, outbox, log_.get(), progress_.get());
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
