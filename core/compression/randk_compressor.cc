#include "core/compression/randk_compressor.h"
#include "core/protocol/client_policy_entry.h"

namespace fedgate {

CompressedVector RandKCompressor::compress(Span<const float> vector) {
  CompressedVector out;
  out.codec = wire::Codec::RandK;
  out.dim = dim_;
  out.seed = rng_.next_u32();
  out.scale = static_cast<float>(static_cast<double>(dim_) / k_);
  RandkIndices indices(out.seed, dim_, k_);
  uint32_t index = 0;
  size_t j = 0;
  while (j < k_ && indices.next(&index)) values_[j++] = vector[index];
  out.values = Span<const float>(values_.data(), j);
  return out;
}

namespace {

constexpr ParamSpec kFraction{"fraction",
                              ParamKind::kNumber,
                              0,
                              0,
                              1,
                              FEDGATE_POLICY_DOC("share of coordinates sent; set fraction or k, "
                                                 "not both (neither: fraction 0.01)")};
constexpr ParamSpec kK{"k", ParamKind::kCount, 0,
                       0,   4294967295.0,      FEDGATE_POLICY_DOC("coordinates sent, at most d")};
constexpr ParamSpec kSeed{"seed",
                          ParamKind::kNumber,
                          1,
                          0,
                          4294967295.0,
                          FEDGATE_POLICY_DOC("seed of the masks (mixed with the client's own)")};
constexpr ParamSpec kParams[] = {kFraction, kK, kSeed};

Status setup(ParamReader& r, const ClientModelShape& model, ClientPolicyNeeds* needs,
             StateCarver* state, CompressorSlots* build) {
  const uint32_t d = model.dim;
  double fraction = 0, seed = 1;
  FG_TRY(r.read(kFraction, &fraction));
  uint32_t k = 0;
  FG_TRY(r.read(kK, &k));
  if (k > d) {
    return Status::error(StatusCode::kOutOfRange,
                         "[compression.randk] k = %u exceeds the model dimension d = %u",
                         static_cast<unsigned>(k), static_cast<unsigned>(d));
  }
  if (k > 0 && fraction > 0) {
    return Status::error(StatusCode::kInvalidArgument,
                         "[compression.randk] set either k or fraction, not both");
  }
  if (k == 0 && fraction == 0) fraction = 0.01;
  if (k == 0) {
    const double from_fraction = fraction * d;
    k = from_fraction < 1 ? 1 : static_cast<uint32_t>(from_fraction);
  }
  FG_TRY(r.read(kSeed, &seed));
  needs->codec = wire::Codec::RandK;
  needs->k = k;
  needs->state_floats += k;
  needs->max_payload_bytes = size_t{k} * sizeof(float);
  if (build != nullptr) {
    const uint64_t mask_seed = static_cast<uint64_t>(seed) ^ (model.seed << 1);
    build->inner.emplace<RandKCompressor>(d, k, mask_seed, state->floats(k));
  }
  return Status::ok();
}

}  // namespace

extern const CompressionEntry kRandKCompressorEntry = {
    "randk",
    FEDGATE_POLICY_DOC("k seeded random coordinates scaled by d/k (unbiased), indices not sent"),
    param_table(kParams), setup};

}  // namespace fedgate
