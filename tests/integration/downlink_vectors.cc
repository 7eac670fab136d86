// downlink_vectors: ModelChunk messages as the coordinator sends them in each
// downlink encoding, with the model the client must hold after each model,
// for python_model_codec_test.py (the Python client's decoder must agree with
// the C++ codec bit for bit; docs/protocol.md, "Model downlink encodings").
//
// Output, one record a line, hex for bytes:
//   sequence NAME            a new client, models coded with downlink.codec NAME
//   chunk HEX                one message (envelope and ModelChunk), in order
//   model VERSION HEX        the float32 model (little-endian) the client holds now
//   halves HEX               half_to_float of every binary16 pattern 0x0000..0xFFFF
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "coordinator/global_model.h"
#include "coordinator/model_downlink.h"
#include "core/compression/model_codec.h"
#include "core/protocol/codec.h"

namespace fedgate {
namespace {

constexpr uint32_t kDim = 1001;  // 3 chunks of 256 and one of 233: a half-used nibble at the end
constexpr uint32_t kChunk = 256;

void print_hex(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) std::printf("%02x", bytes[i]);
}

// Float32 values as their little-endian bytes (the host is little-endian, as the wire).
void print_model(uint32_t version, const std::vector<float>& values) {
  std::printf("model %u ", version);
  print_hex(values.data(), values.size() * sizeof(float));
  std::printf("\n");
}

// The models a client is sent, one per version: a start, small and large steps,
// a step that moves only the first chunk (the others' deltas are zero), the same
// version again (a rejected offer's model), a tiny step, and half-float edge cases.
std::vector<std::vector<float>> model_sequence() {
  std::mt19937 rng(14);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(kDim);
  for (float& value : x) value = 0.1f * normal(rng);
  // Binary16 edge cases: signed zero, subnormals, the smallest normal, the largest
  // finite, values that round to it, ties to even, and a value that underflows to zero.
  const float edges[] = {0.0f,      -0.0f,   1e-7f,   -3e-5f,   6.1035156e-5f, 65504.0f,
                         -65519.0f, 2049.0f, 2051.0f, 1.0f / 3, -2.5e-8f,      1e-30f};
  std::memcpy(x.data(), edges, sizeof(edges));
  std::vector<std::vector<float>> models = {x};
  const float steps[] = {1e-3f, 3e-3f, 1e-2f, 10.0f, 1e-9f};
  for (const float step : steps) {
    for (size_t i = sizeof(edges) / sizeof(float); i < kDim; ++i) x[i] += step * normal(rng);
    models.push_back(x);
  }
  for (size_t i = 20; i < 120; ++i) x[i] -= 0.05f;  // only the first chunk moves
  models.push_back(x);
  models.push_back(x);  // the same model again
  return models;
}

Span<const uint8_t> hello_announcing_everything(MessageWriter& writer) {
  HelloInfo hello;
  hello.num_features = 1000;
  hello.num_classes = 1;
  hello.applies_encoded_models = true;
  return *writer.hello(1, hello);
}

int run() {
  std::vector<uint8_t> arena(64 * 1024);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  std::vector<uint8_t> hello_arena(1024);
  MessageWriter hello_writer(Span<uint8_t>(hello_arena.data(), hello_arena.size()));
  const Span<const uint8_t> hello_bytes = hello_announcing_everything(hello_writer);
  const std::vector<uint8_t> hello_copy(hello_bytes.begin(), hello_bytes.end());
  wire::ErrorCode error = wire::ErrorCode::None;
  const wire::Envelope* envelope = verify_envelope(hello_copy, &error);
  if (envelope == nullptr) {
    std::fprintf(stderr, "downlink_vectors: the Hello does not verify\n");
    return 1;
  }
  const std::vector<std::vector<float>> models = model_sequence();
  for (const auto encoding : {wire::ModelEncoding::Dense, wire::ModelEncoding::Fp16,
                              wire::ModelEncoding::Int8Delta, wire::ModelEncoding::Int4Delta}) {
    std::printf("sequence %s\n", downlink_codec_name(encoding));
    ModelDownlink downlink(encoding);
    downlink.on_hello("c", *envelope->message_as_Hello());
    GlobalModel model(models.front());
    uint32_t seq = 0;
    for (size_t index = 0; index < models.size(); ++index) {
      // The repeated last model keeps its version, as a model re-sent without a commit.
      const uint32_t version = index + 1 == models.size() ? static_cast<uint32_t>(index - 1)
                                                          : static_cast<uint32_t>(index);
      model.restore(models[index], version);
      bool ok = true;
      downlink.send("c", kChunk, model, writer, &seq, [&](const Result<Span<const uint8_t>>& m) {
        if (!m.is_ok()) {
          ok = false;
          return;
        }
        std::printf("chunk ");
        print_hex(m->data(), m->size());
        std::printf("\n");
      });
      if (!ok) {
        std::fprintf(stderr, "downlink_vectors: a chunk failed to encode\n");
        return 1;
      }
      // What the client holds: the coordinator's copy for the delta encodings,
      // each weight through binary16 for fp16, the model itself for dense.
      std::vector<float> held(models[index]);
      if (is_delta_encoding(encoding)) {
        const Span<const float> reference = downlink.reference("c");
        held.assign(reference.begin(), reference.end());
      } else if (encoding == wire::ModelEncoding::Fp16) {
        for (float& value : held) value = half_to_float(float_to_half(value));
      }
      print_model(version, held);
    }
  }
  std::vector<float> halves(65536);
  for (uint32_t bits = 0; bits < halves.size(); ++bits) {
    halves[bits] = half_to_float(static_cast<uint16_t>(bits));
  }
  std::printf("halves ");
  print_hex(halves.data(), halves.size() * sizeof(float));
  std::printf("\n");
  return 0;
}

}  // namespace
}  // namespace fedgate

int main() { return fedgate::run(); }
