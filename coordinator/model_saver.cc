#include "coordinator/model_saver.h"

#include <cstdio>
#include <cstdlib>

#include "coordinator/model_file.h"

namespace fedgate {

void ModelSaver::save(const std::string& path, const EvalPoint& point) {
  if (path.empty() || coordinator_ == nullptr) return;
  const Status written = write_model_file(path, spec_, coordinator_->model().params(),
                                          ModelFileInfo{point.version, point.accuracy, point.loss});
  if (written.is_ok()) return;
  // The run goes on: losing a model file must not stop the training.
  std::fprintf(stderr, "fedgate-coordinator: %s\n", written.message());
  if (error_.is_ok()) error_ = written;
}

void ModelSaver::keep_best_on_disk() {
  if (best_path_.empty()) return;
  Result<SavedModel> saved = read_model_file(best_path_);
  if (!saved.is_ok()) return;
  const auto accuracy = saved->metadata.find("accuracy");
  const auto loss = saved->metadata.find("loss");
  if (accuracy == saved->metadata.end() || loss == saved->metadata.end()) return;
  have_best_ = true;
  best_.accuracy = std::strtod(accuracy->second.c_str(), nullptr);
  best_.loss = std::strtod(loss->second.c_str(), nullptr);
}

void ModelSaver::on_eval(const EvalPoint& point, const Metrics& metrics,
                         const ClientRegistry& clients) {
  const bool better = !have_best_ || point.accuracy > best_.accuracy ||
                      (point.accuracy == best_.accuracy && point.loss < best_.loss);
  if (better) {
    have_best_ = true;
    best_ = point;
    save(best_path_, point);
  }
  if (next_ != nullptr) next_->on_eval(point, metrics, clients);
}

void ModelSaver::on_stop(const char* reason, const EvalPoint& last, const Metrics& metrics,
                         const ClientRegistry& clients) {
  save(final_path_, last);
  if (next_ != nullptr) next_->on_stop(reason, last, metrics, clients);
}

}  // namespace fedgate
