#include "bench/loadgen/fedgate_dialect.h"

#include <cstdio>
#include <random>

namespace fedgate::loadgen {

namespace {

Span<const uint8_t> must(const Result<Span<const uint8_t>>& message) {
  if (!message.is_ok()) {
    std::fprintf(stderr, "fedgate-loadgen: cannot encode: %s\n", message.status().message());
    std::abort();
  }
  return *message;
}

}  // namespace

FedgateDialect::FedgateDialect(uint32_t num_features, uint32_t num_classes, uint32_t seed)
    : num_features_(num_features),
      num_classes_(num_classes),
      gradient_(static_cast<size_t>(num_features + 1) * num_classes),
      arena_(update_arena_bytes(gradient_.size(), 0)),
      writer_(Span<uint8_t>(arena_.data(), arena_.size())) {
  // Small values: millions of applied updates keep the model finite.
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1e-4f);
  for (float& value : gradient_) value = normal(rng);
  norm_ = static_cast<float>(l2_norm(Span<const float>(gradient_.data(), gradient_.size())));
}

Span<const uint8_t> FedgateDialect::hello(uint32_t seq, uint32_t client) {
  std::snprintf(name_, sizeof(name_), "loadgen-%u", client);
  HelloInfo info;
  info.num_features = num_features_;
  info.num_classes = num_classes_;
  info.name = name_;
  // Dense models both ways: the raw frames of the ceiling have the dense sizes.
  info.applies_encoded_models = false;
  return must(writer_.hello(seq, info));
}

Span<const uint8_t> FedgateDialect::offer(uint32_t seq, uint32_t version) {
  OfferInfo info;
  info.version = version;
  info.grad_norm = norm_;
  return must(writer_.offer(seq, info));
}

Span<const uint8_t> FedgateDialect::update(uint32_t seq, uint32_t version) {
  UpdateInfo info;
  info.version = version;
  info.grad_norm = norm_;
  info.values = Span<const float>(gradient_.data(), gradient_.size());
  info.samples = 32;
  return must(writer_.update(seq, info));
}

Reply FedgateDialect::read(Span<const uint8_t> bytes) {
  Reply reply;
  wire::ErrorCode code = wire::ErrorCode::None;
  const wire::Envelope* envelope =
      verify_envelope(aligned_.view(bytes.data(), bytes.size()), &code);
  if (envelope == nullptr) {
    reply.kind = Reply::Kind::Error;
    return reply;
  }
  switch (envelope->message_type()) {
    case wire::Message::Config: reply.kind = Reply::Kind::Config; break;
    case wire::Message::ModelChunk: {
      const wire::ModelChunk* chunk = envelope->message_as_ModelChunk();
      reply.kind = Reply::Kind::Chunk;
      reply.version = chunk->version();
      reply.offset = chunk->offset();
      reply.count = chunk->encoding() != wire::ModelEncoding::Dense ? chunk->count()
                    : chunk->weights() != nullptr                   ? chunk->weights()->size()
                                                                    : 0;
      reply.total = chunk->total();
      break;
    }
    case wire::Message::Decision:
      reply.kind = Reply::Kind::Decision;
      reply.accept = envelope->message_as_Decision()->accept();
      break;
    case wire::Message::Error: {
      const wire::Error* error = envelope->message_as_Error();
      reply.kind = Reply::Kind::Error;
      if (error->message() != nullptr) reply.text = error->message()->c_str();
      break;
    }
    case wire::Message::Bye: reply.kind = Reply::Kind::Bye; break;
    default: break;
  }
  return reply;
}

ExchangeSizes FedgateDialect::sizes(uint32_t chunk_floats) {
  ExchangeSizes sizes;
  sizes.hello = hello(1, 0).size();
  ConfigInfo config;
  config.model_dim = dim();
  config.num_features = num_features_;
  config.num_classes = num_classes_;
  config.chunk_floats = chunk_floats;
  config.acceptance = "accept-all";
  config.stepsize = "constant";
  sizes.config = must(writer_.config(1, config)).size();
  sizes.offer = offer(1, 1).size();
  sizes.decision = must(writer_.decision(1, 1, 1, true)).size();
  sizes.update = update(1, 1).size();
  const Span<const float> values(gradient_.data(), gradient_.size());
  const uint32_t full = std::min(chunk_floats, dim());
  sizes.full_chunk = must(writer_.model_chunk(1, 1, 0, dim(), values.subspan(0, full))).size();
  const uint32_t rest = dim() % full == 0 ? full : dim() % full;
  sizes.last_chunk =
      must(writer_.model_chunk(1, 1, dim() - rest, dim(), values.subspan(dim() - rest, rest)))
          .size();
  return sizes;
}

}  // namespace fedgate::loadgen
