// Drives a Coordinator at the message level for the policy tests: a
// ManualClock, an outbox that records what was sent to whom, and helpers that
// play the clients (each knows the version of the last model it was sent).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/checkpoint.h"
#include "coordinator/coordinator.h"

namespace fedgate {

class RecordingOutbox : public ServerOutbox {
 public:
  void send(const std::string& client, Span<const uint8_t> bytes) override {
    sent.push_back({client, std::vector<uint8_t>(bytes.begin(), bytes.end())});
  }
  struct Sent {
    std::string client;
    std::vector<uint8_t> bytes;
    const wire::Envelope* envelope() const {
      wire::ErrorCode error;
      return verify_envelope(bytes, &error);
    }
  };
  std::vector<Sent> sent;
};

class CoordinatorHarness {
 public:
  static constexpr uint32_t kFeatures = 2;
  static constexpr uint32_t kClasses = 2;
  static constexpr uint32_t kDim = kFeatures * kClasses + kClasses;  // softmax: 6

  // `trigger`: the client trigger the run is configured for; offer-first
  // contributions offer before their Update, the others send it directly.
  // `resume`: a checkpoint to restore before the coordinator starts (at `now_us`).
  // `limits`: [limits] (docs/security.md, "Limits").
  explicit CoordinatorHarness(ServerPolicies policies, uint32_t batch_size = 8,
                              const char* trigger = "offer-first",
                              const CheckpointSections* resume = nullptr, int64_t now_us = 0,
                              LimitSettings limits = {})
      : writer_(Span<uint8_t>(arena_.data(), arena_.size())),
        offers_(std::string(trigger) == "offer-first") {
    CoordinatorSettings settings;
    settings.client_policies.trigger = trigger;
    settings.model.kind = ModelKind::kSoftmax;
    settings.model.num_features = kFeatures;
    settings.model.num_classes = kClasses;
    settings.chunk_floats = kDim;  // one chunk per model
    settings.eval_every = 0;
    settings.batch_size = batch_size;
    settings.limits = limits;
    initial_ = {1, 2, 3, 4, 5, 6};
    coordinator_ = std::make_unique<Coordinator>(settings, GlobalModel(initial_),
                                                 std::move(policies), nullptr, clock_, outbox_);
    clock_.set_us(now_us);
    if (resume != nullptr) {
      const Status restored = CoordinatorCheckpoint::restore(*resume, *coordinator_);
      EXPECT_TRUE(restored.is_ok()) << restored.message();
    }
    coordinator_->start();
  }

  Coordinator& coordinator() { return *coordinator_; }
  ManualClock& clock() { return clock_; }
  const std::vector<float>& initial() const { return initial_; }
  uint32_t version() const { return coordinator_->model().version(); }
  std::vector<float> params() const {
    const Span<const float> p = coordinator_->model().params();
    return std::vector<float>(p.begin(), p.end());
  }
  // The version of the last model `client` was sent.
  uint32_t held_version(const std::string& client) const { return held_.at(client); }

  // (client, version) of every model sent by the last message handled.
  std::vector<std::pair<std::string, uint32_t>> models_sent() const { return models_; }
  // The budget (b_i, m_i) on the last chunk of the last model `client` was sent (0, 0: none).
  std::pair<uint32_t, uint32_t> budget(const std::string& client) const {
    return budgets_.at(client);
  }
  // The params of the last Config sent.
  const std::map<std::string, double>& config_params() const { return config_params_; }
  // Everything the last message handled (or tick) sent.
  const std::vector<RecordingOutbox::Sent>& last_sent() const { return outbox_.sent; }

  void hello(const std::string& client) {
    HelloInfo info;
    info.num_features = kFeatures;
    info.num_classes = kClasses;
    info.name = client.c_str();
    send(client, writer_.hello(1, info));
  }
  // Offer then dense Update of `values` at the client's model version; false if
  // the offer was rejected.
  // `parts`: the m_i the Update says (0: not said).
  bool contribute(const std::string& client, const std::vector<float>& values,
                  wire::UpdateKind kind = wire::UpdateKind::Gradient, uint32_t samples = 8,
                  uint32_t compute_us = 0, uint16_t parts = 0) {
    return contribute_at(client, held_.at(client), values, kind, samples, compute_us, parts);
  }
  bool contribute_at(const std::string& client, uint32_t version, const std::vector<float>& values,
                     wire::UpdateKind kind = wire::UpdateKind::Gradient, uint32_t samples = 8,
                     uint32_t compute_us = 0, uint16_t parts = 0) {
    if (offers_ && !offer_accepted(client, version, values)) return false;
    flatbuffers::FlatBufferBuilder builder;
    auto vector = builder.CreateVector(values);
    auto update = wire::CreateUpdate(builder, version, kind, wire::Codec::Dense,
                                     static_cast<float>(l2_norm(values)),
                                     static_cast<uint32_t>(values.size()), vector, 0, 0, 1.0f,
                                     samples, compute_us, 0, 0, 0, parts);
    wire::FinishEnvelopeBuffer(
        builder,
        wire::CreateEnvelope(builder, kProtocolVersion, 3, wire::Message::Update, update.Union()));
    send_raw(client, std::vector<uint8_t>(builder.GetBufferPointer(),
                                          builder.GetBufferPointer() + builder.GetSize()));
    return true;
  }
  bool offer_accepted(const std::string& client, uint32_t version,
                      const std::vector<float>& values) {
    OfferInfo offer;
    offer.version = version;
    offer.grad_norm = static_cast<float>(l2_norm(values));
    send(client, writer_.offer(2, offer));
    const auto* decision = outbox_.sent.empty() ? nullptr : outbox_.sent[0].envelope();
    return decision != nullptr && decision->message_type() == wire::Message::Decision &&
           decision->message_as_Decision()->accept();
  }
  void skip(const std::string& client) { send(client, writer_.skip(5, held_.at(client))); }
  void model_request(const std::string& client) {
    send(client, writer_.model_request(6, held_.at(client)));
  }
  void bye(const std::string& client) {
    send(client, writer_.bye(9, wire::ByeReason::ClientExit, "leaving"));
  }
  // Every message sent by the last message handled.
  const std::vector<RecordingOutbox::Sent>& sent() const { return outbox_.sent; }
  void tick() {
    outbox_.sent.clear();
    coordinator_->tick();
    record_models();
  }

 private:
  void send(const std::string& client, const Result<Span<const uint8_t>>& message) {
    ASSERT_TRUE(message.is_ok());
    send_raw(client, std::vector<uint8_t>(message->begin(), message->end()));
  }
  void send_raw(const std::string& client, const std::vector<uint8_t>& bytes) {
    outbox_.sent.clear();
    coordinator_->handle(client, bytes);
    record_models();
  }
  void record_models() {
    models_.clear();
    for (const auto& s : outbox_.sent) {
      const auto* env = s.envelope();
      if (env != nullptr && env->message_type() == wire::Message::Config) {
        const auto* params = env->message_as_Config()->params();
        config_params_.clear();
        if (params != nullptr) {
          for (const auto* param : *params) config_params_[param->name()->str()] = param->value();
        }
      }
      if (env == nullptr || env->message_type() != wire::Message::ModelChunk) continue;
      const auto* chunk = env->message_as_ModelChunk();
      const uint32_t count = chunk->encoding() != wire::ModelEncoding::Dense ? chunk->count()
                             : chunk->weights() != nullptr ? chunk->weights()->size()
                                                           : 0;
      if (chunk->offset() + count == chunk->total()) {
        budgets_[s.client] = {chunk->batches(), chunk->sends()};
      }
      if (chunk->offset() != 0) continue;
      models_.emplace_back(s.client, chunk->version());
      held_[s.client] = chunk->version();
    }
  }

  std::vector<uint8_t> arena_ = std::vector<uint8_t>(16 * 1024);
  MessageWriter writer_;
  bool offers_;  // the configured trigger offers before each Update
  ManualClock clock_;
  RecordingOutbox outbox_;
  std::vector<float> initial_;
  std::unique_ptr<Coordinator> coordinator_;
  std::map<std::string, uint32_t> held_;
  std::map<std::string, std::pair<uint32_t, uint32_t>> budgets_;
  std::vector<std::pair<std::string, uint32_t>> models_;
  std::map<std::string, double> config_params_;
};

}  // namespace fedgate
