// fedgate-gradient-dump: computes LocalTrainer gradients for a fixed seed,
// data share and parameter vector and prints them as exact hex floats, so the
// agreement test can compare what x86-64, aarch64 and armhf compute from the
// same input. With --time-steps it also reports the mean time of one
// LocalTrainer::compute (a figure, never asserted).
//
// Output, one line per record:
//   model <name> dim <n>
//   step <k> loss <%a> norm <%a> grad <%a> <%a> ...   (n values)
//   time <name> batch <b> steps <n> us_per_step <mean>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/base/rng.h"
#include "core/data/idx_reader.h"
#include "core/data/partition.h"
#include "core/models/model_factory.h"
#include "core/training/local_trainer.h"

namespace {

using namespace fedgate;

struct Options {
  std::string images, labels;
  std::vector<std::string> models = {"softmax", "mlp"};
  uint32_t batch = 32;
  uint32_t steps = 3;
  uint32_t hidden = 32;
  uint64_t seed = 1001;
  uint32_t time_steps = 0;
};

// Parameters every architecture can reproduce: uniform in [-0.05, 0.05) from the
// portable Rng (std:: distributions differ between standard libraries).
std::vector<float> fixed_params(size_t dim, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> params(dim);
  for (float& p : params) p = 0.1f * rng.uniform_float() - 0.05f;
  return params;
}

int run(const Options& o, const Dataset& data, const std::vector<uint32_t>& share,
        const std::string& model_name) {
  Result<ModelKind> kind = parse_model_kind(model_name);
  if (!kind.is_ok()) {
    std::fprintf(stderr, "fedgate-gradient-dump: %s\n", kind.status().message());
    return 2;
  }
  ModelSpec spec;
  spec.kind = *kind;
  spec.num_features = data.num_features;
  spec.num_classes = data.num_classes;
  spec.hidden_units = *kind == ModelKind::kMlp ? o.hidden : 0;
  Result<std::unique_ptr<Model>> model = make_model(spec);
  if (!model.is_ok()) {
    std::fprintf(stderr, "fedgate-gradient-dump: %s\n", model.status().message());
    return 2;
  }
  TrainingSetup setup;
  setup.model_kind = static_cast<wire::ModelKind>(spec.kind);
  setup.model_dim = static_cast<uint32_t>((*model)->dim());
  setup.num_features = spec.num_features;
  setup.num_classes = spec.num_classes;
  setup.hidden_units = spec.hidden_units;
  setup.batch_size = o.batch;

  LocalTrainer trainer(data, share, o.seed);
  Status configured = trainer.configure(setup);
  if (!configured.is_ok()) {
    std::fprintf(stderr, "fedgate-gradient-dump: %s\n", configured.message());
    return 2;
  }
  const std::vector<float> params = fixed_params(setup.model_dim, o.seed);
  std::vector<float> grad(setup.model_dim);
  std::printf("model %s dim %u\n", model_name.c_str(), setup.model_dim);
  for (uint32_t step = 0; step < o.steps; ++step) {
    Result<GradientStats> stats = trainer.compute(params, grad);
    if (!stats.is_ok()) {
      std::fprintf(stderr, "fedgate-gradient-dump: %s\n", stats.status().message());
      return 1;
    }
    std::printf("step %u loss %a norm %a grad", step, static_cast<double>(stats->loss),
                stats->grad_norm);
    for (float g : grad) std::printf(" %a", static_cast<double>(g));
    std::printf("\n");
  }
  if (o.time_steps > 0) {
    const auto started = std::chrono::steady_clock::now();
    for (uint32_t step = 0; step < o.time_steps; ++step) (void)trainer.compute(params, grad);
    const double us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started)
            .count();
    std::printf("time %s batch %u steps %u us_per_step %.1f\n", model_name.c_str(), o.batch,
                o.time_steps, us / o.time_steps);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const IdxPaths test_set = fashion_mnist_paths(kFashionMnistDir, /*train=*/false);
  o.images = test_set.images;
  o.labels = test_set.labels;
  CLI::App app{"fedgate-gradient-dump: LocalTrainer gradients as exact hex floats"};
  app.add_option("--images", o.images, "IDX images")->capture_default_str();
  app.add_option("--labels", o.labels, "IDX labels")->capture_default_str();
  app.add_option("--model", o.models, "models to run (softmax, mlp, ...)")->capture_default_str();
  app.add_option("--batch", o.batch, "minibatch size")->capture_default_str();
  app.add_option("--steps", o.steps, "gradients to print per model")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden units of the mlp")->capture_default_str();
  app.add_option("--seed", o.seed, "trainer and parameter seed")->capture_default_str();
  app.add_option("--time-steps", o.time_steps, "also time this many steps (0 = no timing)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  Result<Dataset> data = load_idx(o.images, o.labels);
  if (!data.is_ok()) {
    std::fprintf(stderr, "fedgate-gradient-dump: cannot load %s: %s\n", o.images.c_str(),
                 data.status().message());
    return 2;
  }
  // Share 1 of 4, split like the clients split it.
  PartitionSpec spec;
  spec.scheme = PartitionScheme::kIid;
  spec.num_clients = 4;
  spec.seed = 1;
  auto parts = partition(*data, spec);
  if (!parts.is_ok()) {
    std::fprintf(stderr, "fedgate-gradient-dump: %s\n", parts.status().message());
    return 2;
  }
  for (const std::string& model : o.models) {
    const int status = run(o, *data, (*parts)[1], model);
    if (status != 0) return status;
  }
  return 0;
}
