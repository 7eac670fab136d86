// On-target unit tests: the same core code the client runs, checked on the
// Cortex-M4 (hard float, newlib-nano, no heap) against hand-computed values,
// finite differences and values pinned on the host. Output on USART2; the
// image ends with "ON-TARGET TESTS PASSED <n> checks" or "... FAILED" and exits
// through semihosting with the number of failed checks.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/base/crc32.h"
#include "core/base/rng.h"
#include "core/models/linear_model.h"
#include "core/models/softmax_regression.h"
#include "core/models/softmax_stream.h"
#include "core/protocol/client_session.h"
#include "core/protocol/codec.h"
#include "core/protocol/update_stream.h"
#include "core/zmtp/client.h"
#include "firmware/stm32/board/clock.h"
#include "firmware/stm32/board/console.h"
#include "firmware/stm32/board/runtime.h"
#include "firmware/stm32/board/semihosting.h"
#include "firmware/stm32/board/stack.h"

namespace fedgate::stm32 {
namespace {

int g_checks = 0;
int g_failures = 0;

void check(bool ok, const char* what, int line) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    console_printf("  FAIL line %d: %s\n", line, what);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)
#define CHECK_NEAR(a, b, tol) check(std::fabs((a) - (b)) <= (tol), #a " ~ " #b, __LINE__)

void test_crc32() {
  CHECK(crc32("123456789", 9) == 0xCBF43926u);  // the standard check value
  CHECK(crc32("", 0) == 0u);
  const float weights[2] = {1.0f, -2.0f};
  CHECK(chunk_crc(Span<const float>(weights, 2)) == crc32(weights, sizeof(weights)));
}

void test_rng() {
  Rng rng(1);
  CHECK(rng.next_u32() == 0xb3f2a9c5u);  // pinned on the host (tests/core/base/rng_test.cc)
  Rng a(42), b(42);
  bool same = true;
  for (int i = 0; i < 100; ++i) same &= a.next_u32() == b.next_u32();
  CHECK(same);
  Rng c(7);
  bool in_bound = true;
  for (int i = 0; i < 1000; ++i) in_bound &= c.uniform(10) < 10;
  CHECK(in_bound);
}

void test_least_squares() {
  // The tiny linear model: x = (1, 2), w = (0.5, -1), b = 0.25, y = 1.
  // r = 0.5 - 2 + 0.25 - 1 = -2.25, loss = r^2 / 2, grad = (r x, r).
  LinearModel model(ModelKind::kLeastSquares, 2);
  const float x[2] = {1.0f, 2.0f};
  const float y[1] = {1.0f};
  Batch batch;
  batch.features = x;
  batch.targets = y;
  batch.rows = 1;
  float params[3] = {0.5f, -1.0f, 0.25f}, grad[3] = {0, 0, 0}, workspace[4];
  const float loss = model.loss_and_gradient(Span<const float>(params, 3), batch,
                                             Span<float>(grad, 3), Span<float>(workspace, 4));
  CHECK_NEAR(loss, 2.53125f, 1e-6f);
  CHECK_NEAR(grad[0], -2.25f, 1e-6f);
  CHECK_NEAR(grad[1], -4.5f, 1e-6f);
  CHECK_NEAR(grad[2], -2.25f, 1e-6f);
}

void test_softmax_stream_hand_computed() {
  SoftmaxStream model(2, 2);
  float params[6] = {0, 0, 0, 0, 0, 0}, grad[6], scratch[2];
  const uint8_t pixels[2] = {100, 200};
  model.begin(Span<float>(grad, 6));
  model.add(Span<const float>(params, 6), pixels, 0.01f, 0, Span<float>(grad, 6),
            Span<float>(scratch, 2));
  CHECK_NEAR(model.finish(Span<float>(grad, 6), 1), std::log(2.0f), 1e-6f);
  const float expected[6] = {-0.5f, -1.0f, 0.5f, 1.0f, -0.5f, 0.5f};
  for (int i = 0; i < 6; ++i) CHECK_NEAR(grad[i], expected[i], 1e-6f);
}

// SoftmaxStream on 8-bit pixels against core's Eigen SoftmaxRegression, and
// against central finite differences of the loss.
void test_softmax_against_reference() {
  constexpr uint32_t kF = 12, kC = 3, kRows = 5;
  uint8_t pixels[kRows * kF];
  int32_t labels[kRows];
  float features[kRows * kF];
  Rng rng(11);
  for (uint32_t i = 0; i < kRows * kF; ++i) {
    pixels[i] = static_cast<uint8_t>(rng.uniform(256));
    features[i] = pixels[i] / 255.0f;
  }
  for (int32_t& l : labels) l = static_cast<int32_t>(rng.uniform(kC));
  SoftmaxRegression reference(kF, kC);
  constexpr size_t kDim = kF * kC + kC;
  float params[kDim], want[kDim], got[kDim], workspace[kRows * kC], scratch[kC];
  for (float& p : params) p = static_cast<float>(rng.normal() * 0.3);
  Batch batch;
  batch.features = features;
  batch.labels = labels;
  batch.rows = kRows;
  const float want_loss =
      reference.loss_and_gradient(Span<const float>(params, kDim), batch, Span<float>(want, kDim),
                                  Span<float>(workspace, kRows * kC));
  SoftmaxStream stream(kF, kC);
  stream.begin(Span<float>(got, kDim));
  for (uint32_t r = 0; r < kRows; ++r) {
    stream.add(Span<const float>(params, kDim), pixels + r * kF, 1.0f / 255.0f, labels[r],
               Span<float>(got, kDim), Span<float>(scratch, kC));
  }
  CHECK_NEAR(stream.finish(Span<float>(got, kDim), kRows), want_loss, 1e-5f);
  float worst = 0;
  for (size_t i = 0; i < kDim; ++i) worst = std::fmax(worst, std::fabs(got[i] - want[i]));
  CHECK(worst < 1e-5f);

  // d loss / d p_i ~ (L(p + h e_i) - L(p - h e_i)) / 2h, for a few coordinates.
  const float h = 1e-2f;
  float probe[kDim];
  for (size_t i : {size_t{0}, size_t{7}, size_t{kF + 3}, size_t{kDim - 1}}) {
    float loss[2];
    for (int side = 0; side < 2; ++side) {
      std::memcpy(probe, params, sizeof(params));
      probe[i] += side == 0 ? h : -h;
      float unused[kDim];
      loss[side] = reference.loss_and_gradient(Span<const float>(probe, kDim), batch,
                                               Span<float>(unused, kDim),
                                               Span<float>(workspace, kRows * kC));
    }
    CHECK_NEAR((loss[0] - loss[1]) / (2 * h), got[i], 2e-3f);
  }
}

void test_codec_round_trip() {
  alignas(8) static uint8_t arena[2048];
  MessageWriter writer(Span<uint8_t>(arena, sizeof(arena)));
  OfferInfo offer;
  offer.version = 12;
  offer.grad_norm = 3.5f;
  offer.loss = 0.75f;
  auto bytes = writer.offer(4, offer);
  CHECK(bytes.is_ok());
  alignas(8) static uint8_t copy[2048];
  std::memcpy(copy, bytes->data(), bytes->size());
  wire::ErrorCode error = wire::ErrorCode::Internal;
  const wire::Envelope* envelope =
      verify_envelope(Span<const uint8_t>(copy, bytes->size()), &error);
  CHECK(envelope != nullptr && envelope->message_as_Offer() != nullptr);
  if (envelope != nullptr && envelope->message_as_Offer() != nullptr) {
    CHECK(envelope->seq() == 4);
    CHECK(envelope->message_as_Offer()->body()->version() == 12);
    CHECK(envelope->message_as_Offer()->body()->grad_norm() == 3.5f);
  }
  // A truncated copy never verifies.
  CHECK(verify_envelope(Span<const uint8_t>(copy, bytes->size() / 2), &error) == nullptr);

  // A model chunk with its CRC, and the same chunk with a flipped weight bit.
  const float weights[5] = {0.5f, -1.0f, 2.0f, 0.0f, 8.0f};
  auto chunk = writer.model_chunk(5, 3, 10, 100, Span<const float>(weights, 5));
  CHECK(chunk.is_ok());
  std::memcpy(copy, chunk->data(), chunk->size());
  envelope = verify_envelope(Span<const uint8_t>(copy, chunk->size()), &error);
  const wire::ModelChunk* mc = envelope != nullptr ? envelope->message_as_ModelChunk() : nullptr;
  CHECK(mc != nullptr);
  if (mc != nullptr) {
    CHECK(mc->offset() == 10 && mc->total() == 100 && mc->weights()->size() == 5);
    CHECK(chunk_crc(Span<const float>(mc->weights()->data(), 5)) == mc->crc32());
    const_cast<float*>(mc->weights()->data())[2] = 2.5f;
    CHECK(chunk_crc(Span<const float>(mc->weights()->data(), 5)) != mc->crc32());
  }

  // The streamed Update: head + floats equal the builder's message.
  float values[7];
  for (int i = 0; i < 7; ++i) values[i] = 0.5f * i - 1.0f;
  UpdateInfo update;
  update.version = 9;
  update.grad_norm = 1.25f;
  update.values = Span<const float>(values, 7);
  auto full = writer.update(6, update);
  CHECK(full.is_ok());
  std::memcpy(copy, full->data(), full->size());
  alignas(8) static uint8_t head_arena[kUpdateHeadArenaBytes];
  auto head = update_head(Span<uint8_t>(head_arena, sizeof(head_arena)), 6, update);
  CHECK(head.is_ok());
  CHECK(head->size() + sizeof(values) == full->size());
  CHECK(std::memcmp(head->data(), copy, head->size()) == 0);
  CHECK(std::memcmp(values, copy + head->size(), sizeof(values)) == 0);
}

// The ZMTP client's first bytes: the 64-byte greeting, signature FF 00*8 7F, version 3, NULL.
void test_zmtp_greeting() {
  class Capture final : public zmtp::ByteSink {
   public:
    Status write(Span<const uint8_t> bytes) override {
      for (uint8_t b : bytes) {
        if (size < sizeof(data)) data[size++] = b;
      }
      return Status::ok();
    }
    uint8_t data[128];
    size_t size = 0;
  } sink;
  class Ignore final : public zmtp::FrameHandler {
   public:
    void on_message(Span<const uint8_t>) override {}
  } handler;
  alignas(8) static uint8_t rx[256];
  zmtp::Options options;
  options.identity = "target-test";
  zmtp::Client client(options, Span<uint8_t>(rx, sizeof(rx)), sink, handler);
  CHECK(client.start(0).is_ok());
  CHECK(sink.size == 64);
  CHECK(sink.data[0] == 0xFF && sink.data[9] == 0x7F && sink.data[10] == 3);
  CHECK(std::memcmp(sink.data + 12, "NULL", 4) == 0);
  CHECK(!client.ready());
}

// One local step at full size (784 x 10 softmax, a 32-sample minibatch from 8-bit pixels),
// timed by SysTick. Under `-icount shift=0` (hil/CMakeLists.txt) one instruction is one
// virtual nanosecond, so the time printed is the instruction count / 1000. `half_zero`:
// half of the pixels 0, as in Fashion-MNIST (50.2 % of its training pixels are), where
// SoftmaxStream skips them; otherwise uniform pixels, hardly any 0.
void time_full_size_step(const char* what, bool half_zero) {
  constexpr uint32_t kF = 784, kC = 10, kBatch = 32;
  constexpr size_t kDim = kF * kC + kC;
  static float params[kDim], grad[kDim];
  static uint8_t pixels[kBatch * kF];
  Rng rng(5);
  for (float& p : params) p = static_cast<float>(rng.normal() * 0.01);
  for (uint8_t& p : pixels) {
    const bool zero = half_zero && rng.uniform(2) == 0;
    p = zero ? 0 : static_cast<uint8_t>(rng.uniform(256));
  }
  float scratch[kC];
  SoftmaxStream model(kF, kC);
  const uint64_t started = micros();
  model.begin(Span<float>(grad, kDim));
  for (uint32_t r = 0; r < kBatch; ++r) {
    model.add(Span<const float>(params, kDim), pixels + r * kF, 1.0f / 255.0f,
              static_cast<int32_t>(r % kC), Span<float>(grad, kDim), Span<float>(scratch, kC));
  }
  const float loss = model.finish(Span<float>(grad, kDim), kBatch);
  const double norm = l2_norm(Span<const float>(grad, kDim));
  const uint64_t elapsed_us = micros() - started;
  CHECK(std::isfinite(loss) && loss > 0.0f);
  CHECK(norm > 0.0);
  console_printf(
      "local step (32 x 784 -> 10, gradient and norm, %s): %lu us of virtual time "
      "(= %lu thousand instructions under -icount shift=0)\n",
      what, static_cast<unsigned long>(elapsed_us), static_cast<unsigned long>(elapsed_us));
}

void test_full_size_step() {
  time_full_size_step("uniform pixels", false);
  time_full_size_step("half of the pixels 0, like Fashion-MNIST", true);
}

}  // namespace

int run_tests() {
  const ClockResult clock = clock_init();
  console_init(clock.apb1_hz, 115200);
  systick_init(clock.sysclk_hz);
  console_write("fedgate-stm32 on-target tests\n");
  struct Group {
    const char* name;
    void (*run)();
  };
  const Group groups[] = {
      {"crc32", test_crc32},
      {"rng", test_rng},
      {"least_squares", test_least_squares},
      {"softmax_stream_hand_computed", test_softmax_stream_hand_computed},
      {"softmax_against_reference", test_softmax_against_reference},
      {"codec_round_trip", test_codec_round_trip},
      {"zmtp_greeting", test_zmtp_greeting},
      {"full_size_step", test_full_size_step},
  };
  for (const Group& group : groups) {
    const int failures_before = g_failures;
    group.run();
    console_printf("%s %s (heap requests so far: %lu)\n",
                   g_failures == failures_before ? "ok  " : "FAIL", group.name,
                   static_cast<unsigned long>(heap_requests()));
  }
  CHECK(heap_requests() == 0);
  console_printf("stack used %u of %u bytes\n",
                 static_cast<unsigned>(stack_size_bytes() - stack_untouched_bytes()),
                 static_cast<unsigned>(stack_size_bytes()));
  if (g_failures == 0) {
    console_printf("ON-TARGET TESTS PASSED %d checks\n", g_checks);
  } else {
    console_printf("ON-TARGET TESTS FAILED %d of %d checks\n", g_failures, g_checks);
  }
  semihosting_exit(g_failures);
}

}  // namespace fedgate::stm32

extern "C" int app_main() { return fedgate::stm32::run_tests(); }
