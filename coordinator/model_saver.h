// ModelSaver: writes the run's model files as the run goes: the best evaluated
// model (highest accuracy, then lowest loss) whenever an evaluation improves on
// it, and the final model when the run stops. Passes every event on to `next`
// (the progress printer) afterwards.
#pragma once

#include <string>

#include "coordinator/coordinator.h"

namespace fedgate {

class ModelSaver : public RunObserver {
 public:
  // Either path may be empty (that file is not written). `next` may be null.
  ModelSaver(ModelSpec spec, std::string final_path, std::string best_path, RunObserver* next)
      : spec_(spec),
        final_path_(std::move(final_path)),
        best_path_(std::move(best_path)),
        next_(next) {}
  // The coordinator whose model is saved; call before it starts.
  void attach(const Coordinator& coordinator) { coordinator_ = &coordinator; }
  // A resumed run (docs/run-directory.md): the best model file already there is
  // the one to beat, not replaced by a worse evaluation after the restart.
  void keep_best_on_disk();

  void on_eval(const EvalPoint& point, const Metrics& metrics,
               const ClientRegistry& clients) override;
  void on_stop(const char* reason, const EvalPoint& last, const Metrics& metrics,
               const ClientRegistry& clients) override;

  // The first write that failed (it is also reported on stderr), else ok.
  const Status& error() const { return error_; }

 private:
  void save(const std::string& path, const EvalPoint& point);

  ModelSpec spec_;
  std::string final_path_;
  std::string best_path_;
  RunObserver* next_;
  const Coordinator* coordinator_ = nullptr;
  bool have_best_ = false;
  EvalPoint best_;
  Status error_;
};

}  // namespace fedgate
