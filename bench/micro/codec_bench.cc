// Codec: build, verify and decode every message kind (core/protocol/codec.h),
// each against memcpy of its float payload (or of the whole message when it
// carries none). For Update and ModelChunk the counter overhead_pct is the
// FlatBuffers bytes beyond the payload (issue 13: < 2 % for a dense Update).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/micro/against_memcpy.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

using Build = std::function<Result<Span<const uint8_t>>(MessageWriter&)>;
using Decode = std::function<bool(const wire::Envelope&)>;

std::vector<float> ramp(size_t n) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = 0.001f * static_cast<float>(i % 997) - 0.4f;
  return values;
}

// One round trip: build into the arena, verify, decode what a receiver reads.
// The bytes are verified where they are when they start on kMessageAlignment,
// else first copied to an aligned receive buffer, as transports do
// (core/protocol/aligned_message.h); ModelChunks need that copy here.
void round_trip(benchmark::State& state, size_t payload_bytes, size_t arena_bytes,
                const Build& build, const Decode& decode) {
  std::vector<uint64_t> arena(arena_bytes / sizeof(uint64_t) + 1);  // 8-byte aligned
  MessageWriter writer(Span<uint8_t>(reinterpret_cast<uint8_t*>(arena.data()), arena_bytes));
  Result<Span<const uint8_t>> probe = build(writer);
  if (!probe.is_ok()) {
    state.SkipWithError("building the message failed");
    return;
  }
  const size_t message_bytes = probe->size();
  std::vector<uint64_t> receive(message_bytes / sizeof(uint64_t) + 1);
  bool ok = true;
  bench::run_against_memcpy(state, payload_bytes > 0 ? payload_bytes : message_bytes, [&] {
    Result<Span<const uint8_t>> bytes = build(writer);
    Span<const uint8_t> received = *bytes;
    if (reinterpret_cast<uintptr_t>(received.data()) % kMessageAlignment != 0) {
      std::memcpy(receive.data(), received.data(), received.size());
      received =
          Span<const uint8_t>(reinterpret_cast<const uint8_t*>(receive.data()), received.size());
    }
    wire::ErrorCode error = wire::ErrorCode::None;
    const wire::Envelope* envelope = verify_envelope(received, &error);
    ok = ok && envelope != nullptr && decode(*envelope);
    benchmark::DoNotOptimize(envelope);
  });
  if (!ok) state.SkipWithError("verify or decode failed");
  state.counters["message_bytes"] = static_cast<double>(message_bytes);
  if (payload_bytes > 0) {
    state.counters["overhead_pct"] = 100.0 * static_cast<double>(message_bytes - payload_bytes) /
                                     static_cast<double>(payload_bytes);
  }
}

void BM_Hello(benchmark::State& state) {
  HelloInfo info;
  info.device_class = wire::DeviceClass::Mcu;
  info.num_features = 784;
  info.num_classes = 10;
  info.max_message_bytes = 2560;
  info.max_chunk_floats = 512;
  info.name = "stm32-1";
  round_trip(
      state, 0, 1024, [&](MessageWriter& w) { return w.hello(1, info); },
      [](const wire::Envelope& e) {
        const wire::Hello* hello = e.message_as_Hello();
        return hello != nullptr && hello->num_features() == 784;
      });
}
BENCHMARK(BM_Hello)->UseManualTime();

void BM_Config(benchmark::State& state) {
  const NamedParam params[] = {{"acceptance.lambda", 10}, {"trigger.max_skips", 10}};
  ConfigInfo info;
  info.model_dim = 7850;
  info.num_features = 784;
  info.num_classes = 10;
  info.batch_size = 32;
  info.chunk_floats = 512;
  info.heartbeat_ms = 1000;
  info.acceptance = "norm-ratio-simplified";
  info.stepsize = "constant";
  info.params = Span<const NamedParam>(params, 2);
  info.trigger = "offer-first";
  info.compression = "dense";
  round_trip(
      state, 0, 2048, [&](MessageWriter& w) { return w.config(1, info); },
      [](const wire::Envelope& e) {
        const wire::Config* config = e.message_as_Config();
        return config != nullptr && config->model_dim() == 7850;
      });
}
BENCHMARK(BM_Config)->UseManualTime();

// A model chunk of state.range(0) floats: the client checks its CRC and that
// every value is finite before writing it into the model.
void BM_ModelChunk(benchmark::State& state) {
  const std::vector<float> weights = ramp(static_cast<size_t>(state.range(0)));
  std::vector<float> model(weights.size());
  const size_t payload = weights.size() * sizeof(float);
  round_trip(
      state, payload, payload + kMessageOverhead,
      [&](MessageWriter& w) { return w.model_chunk(1, 3, 0, 7850, weights); },
      [&](const wire::Envelope& e) {
        const wire::ModelChunk* chunk = e.message_as_ModelChunk();
        if (chunk == nullptr || chunk->weights() == nullptr) return false;
        const Span<const float> values(chunk->weights()->data(), chunk->weights()->size());
        if (chunk_crc(values) != chunk->crc32() || !all_finite(values)) return false;
        std::memcpy(model.data(), values.data(), values.size() * sizeof(float));
        return true;
      });
}
BENCHMARK(BM_ModelChunk)->Arg(512)->Arg(7850)->UseManualTime();

void BM_ModelRequest(benchmark::State& state) {
  round_trip(
      state, 0, 1024, [](MessageWriter& w) { return w.model_request(1, 3); },
      [](const wire::Envelope& e) { return e.message_as_ModelRequest() != nullptr; });
}
BENCHMARK(BM_ModelRequest)->UseManualTime();

void BM_Offer(benchmark::State& state) {
  OfferInfo info;
  info.version = 3;
  info.grad_norm = 1.5f;
  info.loss = 0.7f;
  round_trip(
      state, 0, 1024, [&](MessageWriter& w) { return w.offer(1, info); },
      [](const wire::Envelope& e) {
        const wire::Offer* offer = e.message_as_Offer();
        return offer != nullptr && std::isfinite(offer->body()->grad_norm());
      });
}
BENCHMARK(BM_Offer)->UseManualTime();

void BM_Decision(benchmark::State& state) {
  round_trip(
      state, 0, 1024, [](MessageWriter& w) { return w.decision(1, 3, 4, true); },
      [](const wire::Envelope& e) {
        const wire::Decision* decision = e.message_as_Decision();
        return decision != nullptr && decision->accept();
      });
}
BENCHMARK(BM_Decision)->UseManualTime();

// A dense Update of state.range(0) floats, decoded as the coordinator does:
// decode_update (dimension, finiteness) and the norm it checks against the offer.
void BM_UpdateDense(benchmark::State& state) {
  const uint32_t dim = static_cast<uint32_t>(state.range(0));
  const std::vector<float> values = ramp(dim);
  std::vector<float> scratch(dim);
  UpdateInfo info;
  info.version = 3;
  info.grad_norm = static_cast<float>(l2_norm(values));
  info.values = values;
  info.samples = 32;
  const size_t payload = values.size() * sizeof(float);
  round_trip(
      state, payload, update_arena_bytes(dim, 0),
      [&](MessageWriter& w) { return w.update(1, info); },
      [&](const wire::Envelope& e) {
        const wire::Update* update = e.message_as_Update();
        if (update == nullptr) return false;
        wire::ErrorCode code = wire::ErrorCode::None;
        Result<Span<const float>> decoded = decode_update(*update, dim, scratch, &code);
        if (!decoded.is_ok()) return false;
        benchmark::DoNotOptimize(l2_norm(*decoded));
        return true;
      });
}
BENCHMARK(BM_UpdateDense)->Arg(7850)->Arg(100000)->UseManualTime();

void BM_Skip(benchmark::State& state) {
  round_trip(
      state, 0, 1024, [](MessageWriter& w) { return w.skip(1, 3); },
      [](const wire::Envelope& e) { return e.message_as_Skip() != nullptr; });
}
BENCHMARK(BM_Skip)->UseManualTime();

void BM_Heartbeat(benchmark::State& state) {
  round_trip(
      state, 0, 1024, [](MessageWriter& w) { return w.heartbeat(1, 3); },
      [](const wire::Envelope& e) { return e.message_as_Heartbeat() != nullptr; });
}
BENCHMARK(BM_Heartbeat)->UseManualTime();

void BM_Bye(benchmark::State& state) {
  round_trip(
      state, 0, 1024, [](MessageWriter& w) { return w.bye(1, wire::ByeReason::Finished, "done"); },
      [](const wire::Envelope& e) { return e.message_as_Bye() != nullptr; });
}
BENCHMARK(BM_Bye)->UseManualTime();

void BM_Error(benchmark::State& state) {
  round_trip(
      state, 0, 1024,
      [](MessageWriter& w) {
        return w.error(1, wire::ErrorCode::NormMismatch, 7, "update norm does not match");
      },
      [](const wire::Envelope& e) { return e.message_as_Error() != nullptr; });
}
BENCHMARK(BM_Error)->UseManualTime();

}  // namespace
}  // namespace fedgate

BENCHMARK_MAIN();
