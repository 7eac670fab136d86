// Model construction from a ModelSpec, model-kind names, and whole-dataset evaluation.
//
// Owns nothing; make_model returns the only heap object of the module (the model itself,
// a few bytes of shapes), so call it at start-up, never on the per-step path.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/base/span.h"
#include "core/base/status.h"
#include "core/data/dataset.h"
#include "core/models/model.h"

namespace fedgate {

// Validates the shapes (errors name the field and its allowed range) and builds the model.
// Least squares accepts num_classes 0 or 1 (0 means 1).
Result<std::unique_ptr<Model>> make_model(const ModelSpec& spec);

// "least-squares", "logistic", "softmax" or "mlp".
Result<ModelKind> parse_model_kind(std::string_view name);
// The name parse_model_kind accepts, or "unknown" for a value outside the enum.
const char* model_kind_name(ModelKind kind);

// Loss and accuracy over the whole dataset, evaluated `rows_per_chunk` rows at a time with
// Batch views straight into `data` (no copies). `workspace` must hold
// model.workspace_floats(rows_per_chunk); a smaller workspace shrinks the chunks to fit.
// Returns an empty result (samples == 0) when the data's feature count differs from the
// model's or not even one row fits in the workspace.
EvalResult evaluate_dataset(const Model& model, Span<const float> params, const Dataset& data,
                            Span<float> workspace, size_t rows_per_chunk);

}  // namespace fedgate
