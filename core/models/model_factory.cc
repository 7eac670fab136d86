#include "core/models/model_factory.h"

#include <cstdint>
#include <new>
#include <utility>

#include "core/models/linear_model.h"
#include "core/models/mlp.h"
#include "core/models/softmax_regression.h"

namespace fedgate {

namespace {

constexpr uint64_t kMaxDim = UINT32_MAX;

// Parameter count in 64 bits; each term is a product of two uint32 so the sum cannot wrap.
uint64_t spec_dim(const ModelSpec& spec) {
  const uint64_t f = spec.num_features, c = spec.num_classes, h = spec.hidden_units;
  switch (spec.kind) {
    case ModelKind::kLeastSquares: return spec.bias ? f + 1 : f;
    case ModelKind::kBinaryLogistic: return f + 1;
    case ModelKind::kSoftmax: return c * f + c;
    case ModelKind::kMlp: {
      const uint64_t first = h * f, second = c * h;
      if (first > kMaxDim || second > kMaxDim) return kMaxDim + 1;
      return first + h + second + c;
    }
  }
  return 0;
}

Status validate(const ModelSpec& spec) {
  constexpr StatusCode kInvalid = StatusCode::kInvalidArgument;
  const char* name = model_kind_name(spec.kind);
  if (static_cast<unsigned>(spec.kind) > static_cast<unsigned>(ModelKind::kMlp)) {
    return Status::error(kInvalid,
                         "model kind %u unknown, must be 0..3 (least-squares, "
                         "logistic, softmax, mlp)",
                         static_cast<unsigned>(spec.kind));
  }
  if (!spec.bias && spec.kind != ModelKind::kLeastSquares) {
    return Status::error(kInvalid, "%s model: bias = false, only least-squares can drop its bias",
                         name);
  }
  if (spec.num_features < 1) {
    return Status::error(kInvalid, "%s model: num_features = 0, must be >= 1", name);
  }
  switch (spec.kind) {
    case ModelKind::kLeastSquares:
      if (spec.num_classes > 1) {
        return Status::error(kInvalid, "least-squares model: num_classes = %u, must be 1 (or 0)",
                             spec.num_classes);
      }
      break;
    case ModelKind::kBinaryLogistic:
      if (spec.num_classes != 2) {
        return Status::error(kInvalid, "logistic model: num_classes = %u, must be 2",
                             spec.num_classes);
      }
      break;
    case ModelKind::kSoftmax:
    case ModelKind::kMlp:
      if (spec.num_classes < 2) {
        return Status::error(kInvalid, "%s model: num_classes = %u, must be >= 2", name,
                             spec.num_classes);
      }
      if (spec.kind == ModelKind::kMlp && spec.hidden_units < 1) {
        return Status::error(kInvalid, "mlp model: hidden_units = 0, must be >= 1");
      }
      break;
  }
  if (spec_dim(spec) > kMaxDim) {
    return Status::error(kInvalid,
                         "%s model: num_features %u, num_classes %u, hidden_units %u give "
                         "more than 4294967295 parameters",
                         name, spec.num_features, spec.num_classes, spec.hidden_units);
  }
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Model>> make_model(const ModelSpec& spec) {
  FG_TRY(validate(spec));
  // nothrow: this module is built without exceptions, so a failed allocation becomes a Status.
  std::unique_ptr<Model> model;
  switch (spec.kind) {
    case ModelKind::kLeastSquares:
    case ModelKind::kBinaryLogistic:
      model.reset(new (std::nothrow) LinearModel(spec.kind, spec.num_features, spec.bias));
      break;
    case ModelKind::kSoftmax:
      model.reset(new (std::nothrow) SoftmaxRegression(spec.num_features, spec.num_classes));
      break;
    case ModelKind::kMlp:
      model.reset(new (std::nothrow) Mlp(spec.num_features, spec.hidden_units, spec.num_classes));
      break;
  }
  if (!model) return Status::error(StatusCode::kResourceExhausted, "out of memory for the model");
  return Result<std::unique_ptr<Model>>(std::move(model));
}

Result<ModelKind> parse_model_kind(std::string_view name) {
  for (ModelKind kind : {ModelKind::kLeastSquares, ModelKind::kBinaryLogistic, ModelKind::kSoftmax,
                         ModelKind::kMlp}) {
    if (name == model_kind_name(kind)) return kind;
  }
  return Status::error(StatusCode::kInvalidArgument,
                       "unknown model kind '%.*s', expected least-squares, logistic, softmax "
                       "or mlp",
                       static_cast<int>(name.size() > 40 ? 40 : name.size()), name.data());
}

const char* model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kLeastSquares: return "least-squares";
    case ModelKind::kBinaryLogistic: return "logistic";
    case ModelKind::kSoftmax: return "softmax";
    case ModelKind::kMlp: return "mlp";
  }
  return "unknown";
}

EvalResult evaluate_dataset(const Model& model, Span<const float> params, const Dataset& data,
                            Span<float> workspace, size_t rows_per_chunk) {
  EvalResult total;
  const size_t features = data.num_features;
  if (features != model.spec().num_features) return total;
  size_t chunk = rows_per_chunk == 0 ? 1 : rows_per_chunk;
  // workspace_floats is linear in rows, so halving always ends at a fitting size or at 1.
  while (chunk > 1 && model.workspace_floats(chunk) > workspace.size()) chunk /= 2;
  if (model.workspace_floats(chunk) > workspace.size()) return total;
  const size_t n = data.size();
  // Label or target arrays shorter than the data are ignored rather than read past their end.
  const bool has_labels = data.labels.size() >= n && !data.labels.empty();
  const bool has_targets = data.targets.size() >= n && !data.targets.empty();
  for (size_t start = 0; start < n; start += chunk) {
    Batch batch;
    batch.rows = n - start < chunk ? n - start : chunk;
    batch.features = data.features.data() + start * features;
    batch.labels = has_labels ? data.labels.data() + start : nullptr;
    batch.targets = has_targets ? data.targets.data() + start : nullptr;
    const EvalResult part = model.evaluate(params, batch, workspace);
    total.loss_sum += part.loss_sum;
    total.correct += part.correct;
    total.samples += part.samples;
  }
  return total;
}

}  // namespace fedgate
