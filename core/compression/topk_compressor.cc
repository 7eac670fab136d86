#include "core/compression/topk_compressor.h"

#include <algorithm>
#include <cmath>
#include "core/protocol/client_policy_entry.h"

namespace fedgate {
namespace {

uint32_t tensor_k(uint32_t numel, double fraction) {
  const double k = std::floor(fraction * numel);
  return k < 1 ? 1 : static_cast<uint32_t>(k);
}

}  // namespace

uint32_t TopKCompressor::total_k(Span<const uint32_t> tensor_sizes, double fraction) {
  uint32_t total = 0;
  for (uint32_t numel : tensor_sizes) total += numel == 0 ? 0 : tensor_k(numel, fraction);
  return total;
}

TopKCompressor::TopKCompressor(uint32_t dim, Span<const uint32_t> tensor_sizes, double fraction,
                               Span<float> values, Span<uint32_t> indices)
    : dim_(dim), fraction_(fraction), values_(values), indices_(indices) {
  uint32_t sum = 0;
  for (size_t i = 0; i < tensor_sizes.size() && i < kMaxTensors; ++i) {
    if (tensor_sizes[i] == 0) continue;
    tensor_sizes_[tensors_++] = tensor_sizes[i];
    sum += tensor_sizes[i];
  }
  if (sum != dim) {  // no usable layout: the whole vector is one tensor
    tensors_ = 1;
    tensor_sizes_[0] = dim;
  }
  k_total_ = total_k(Span<const uint32_t>(tensor_sizes_, tensors_), fraction_);
}

CompressedVector TopKCompressor::compress(Span<const float> vector) {
  uint32_t start = 0;
  size_t filled = 0;
  for (size_t t = 0; t < tensors_; ++t) {
    const uint32_t numel = tensor_sizes_[t];
    const uint32_t k = tensor_k(numel, fraction_);
    uint32_t* heap = indices_.data() + filled;
    // "a is better than b": larger magnitude, then lower index.
    auto better = [&](uint32_t a, uint32_t b) {
      const float ma = std::fabs(vector[a]), mb = std::fabs(vector[b]);
      return ma > mb || (ma == mb && a < b);
    };
    // Heap ordered so its front is the worst of the k kept so far.
    size_t size = 0;
    for (uint32_t i = start; i < start + numel; ++i) {
      if (size < k) {
        heap[size++] = i;
        std::push_heap(heap, heap + size, better);
      } else if (better(i, heap[0])) {
        std::pop_heap(heap, heap + size, better);
        heap[size - 1] = i;
        std::push_heap(heap, heap + size, better);
      }
    }
    std::sort(heap, heap + size);
    for (size_t j = 0; j < size; ++j) values_[filled + j] = vector[heap[j]];
    filled += size;
    start += numel;
  }
  CompressedVector out;
  out.codec = wire::Codec::TopK;
  out.dim = dim_;
  out.values = Span<const float>(values_.data(), filled);
  out.indices = Span<const uint32_t>(indices_.data(), filled);
  return out;
}

namespace {

constexpr ParamSpec kFraction{
    "fraction", ParamKind::kAbove, 0.01, 0, 1, FEDGATE_POLICY_DOC("h: share of each tensor sent")};
constexpr ParamSpec kErrorFeedback{
    "error_feedback",
    ParamKind::kCount,
    1,
    0,
    1,
    FEDGATE_POLICY_DOC("1: the client keeps the residual and adds it to the next gradient")};
constexpr ParamSpec kParams[] = {kFraction, kErrorFeedback};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, CompressorSlots* build) {
  double fraction = 0;
  uint32_t feedback = 1;
  FG_TRY(r.read(kFraction, &fraction));
  FG_TRY(r.read(kErrorFeedback, &feedback));
  const uint32_t d = model.dim;
  const uint32_t k = TopKCompressor::total_k(model.tensors, fraction);
  needs->codec = wire::Codec::TopK;
  needs->k = k;
  needs->state_floats += k + (feedback != 0 ? size_t{2} * d : 0);
  needs->state_indices += k;
  needs->max_payload_bytes = size_t{k} * 8;
  if (build == nullptr) return Status::ok();
  Compressor* inner = build->inner.emplace<TopKCompressor>(d, model.tensors, fraction,
                                                           state->floats(k), state->indices(k));
  if (feedback != 0) {
    Span<float> residual = state->floats(d);
    Span<float> scratch = state->floats(d);
    build->feedback.emplace<ErrorFeedback>(*inner, residual, scratch);
  }
  return Status::ok();
}

}  // namespace

extern const CompressionEntry kTopKCompressorEntry = {
    "topk",
    FEDGATE_POLICY_DOC("per tensor the max(1, floor(h*n)) largest magnitudes with indices, "
                       "error feedback"),
    param_table(kParams), setup};

}  // namespace fedgate
