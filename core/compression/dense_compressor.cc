#include "core/compression/dense_compressor.h"

#include "core/protocol/client_policy_entry.h"

namespace fedgate {

namespace {

Status setup(ParamReader&, const ClientModelShape& model, ClientPolicyNeeds* needs, StateCarver*,
             CompressorSlots* build) {
  needs->codec = wire::Codec::Dense;
  needs->max_payload_bytes = size_t{model.dim} * sizeof(float);
  if (build != nullptr) build->inner.emplace<DenseCompressor>(model.dim);
  return Status::ok();
}

}  // namespace

extern const CompressionEntry kDenseCompressorEntry = {
    "dense", FEDGATE_POLICY_DOC("every value (4 d bytes)"), Span<const ParamSpec>(), setup};

}  // namespace fedgate
