// Coordinator: the server side of the fedgate protocol, free of sockets.
//
// handle() takes one message from one client and answers through the
// ServerOutbox; tick() checks the time-based stop condition. Time comes only
// from the injected Clock, so the same object runs behind the ZeroMQ loop and,
// in virtual time, inside the simulator. Bad input is answered with an Error,
// counted, and never touches the model.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/acceptance/acceptance_policy.h"
#include "coordinator/aggregation/aggregation_policy.h"
#include "coordinator/client_policy_settings.h"
#include "coordinator/client_registry.h"
#include "coordinator/clock.h"
#include "coordinator/evaluator.h"
#include "coordinator/global_model.h"
#include "coordinator/limits.h"
#include "coordinator/metrics.h"
#include "coordinator/model_downlink.h"
#include "coordinator/staleness/staleness_policy.h"
#include "coordinator/stepsize/stepsize_policy.h"
#include "core/models/model.h"
#include "core/protocol/codec.h"

namespace fedgate {

class ServerOutbox {
 public:
  virtual ~ServerOutbox() = default;
  virtual void send(const std::string& client, Span<const uint8_t> bytes) = 0;
};

// Receives evaluation points and the stop notice (progress printing, tests).
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_eval(const EvalPoint& point, const Metrics& metrics,
                       const ClientRegistry& clients) = 0;
  virtual void on_stop(const char* reason, const EvalPoint& last, const Metrics& metrics,
                       const ClientRegistry& clients) = 0;
};

struct CoordinatorSettings {
  ModelSpec model;
  uint32_t batch_size = 32;
  uint32_t chunk_floats = 1024;
  uint32_t heartbeat_ms = 1000;
  double norm_tolerance = 1e-3;          // relative |norm(update) - offered norm| allowed
  uint32_t max_message_bytes = 0;        // 0: derived from the model (a dense update + overhead)
  uint32_t eval_every = 100;             // versions between evaluations (0 = only at start and end)
  double target_accuracy = 0;            // stop when reached (0 = off)
  uint32_t max_versions = 0;             // stop after this many updates (0 = off)
  double max_seconds = 0;                // stop after this long (0 = off)
  uint32_t min_clients = 0;              // hold the first model until this many have registered
  ClientPolicySettings client_policies;  // [trigger], [compression]: sent to clients in Config
  // downlink.codec; int8-delta by measurement (docs/performance.md, "Model downlink")
  wire::ModelEncoding downlink = wire::ModelEncoding::Int8Delta;
  LimitSettings limits;  // [limits]: docs/security.md, "Limits"
};

// A decoded, validated gradient from one client, ready to be aggregated.
struct IncomingUpdate {
  uint32_t version = 0;  // model version it was computed at
  wire::UpdateKind kind = wire::UpdateKind::Gradient;
  Span<const float> gradient;  // dense, model-dimension values (decoded if it came compressed)
  double grad_norm = 0;
  uint32_t samples = 0;
  uint32_t compute_us = 0;
  uint32_t steps = 0;  // minibatch gradients behind it (local steps, b_i); 0 = not said
  uint32_t round = 0;  // the client's round (aet-schedule)
  uint16_t part = 0;   // j of `parts` sends of one vector (fixed-budget m_i)
  uint16_t parts = 0;
  bool offered = false;  // it followed an accepted Offer (its norm was checked)
};

// Gradients summed in an update (b_i): samples / batch_size for a
// SummedGradient (at least 1), else 1.
uint32_t gradients_in(const IncomingUpdate& update, uint32_t batch_size);

// The server-side policies of one run (docs/architecture.md, "One Offer"): every update goes
// acceptance -> staleness -> stepsize -> aggregation.
struct ServerPolicies {
  std::unique_ptr<AcceptancePolicy> acceptance;
  std::unique_ptr<StepsizePolicy> stepsize;
  std::unique_ptr<StalenessPolicy> staleness;      // null: identity
  std::unique_ptr<AggregationPolicy> aggregation;  // null: apply-on-arrival
};

class Coordinator : private AggregationHost {
 public:
  // `evaluator`, `log` and `observer` may be null.
  Coordinator(const CoordinatorSettings& settings, GlobalModel model, ServerPolicies policies,
              Evaluator* evaluator, const Clock& clock, ServerOutbox& outbox,
              MetricsLog* log = nullptr, RunObserver* observer = nullptr);
  // Identity staleness and apply-on-arrival: plain (or norm-gated) ASGD.
  Coordinator(const CoordinatorSettings& settings, GlobalModel model,
              std::unique_ptr<AcceptancePolicy> acceptance,
              std::unique_ptr<StepsizePolicy> stepsize, Evaluator* evaluator, const Clock& clock,
              ServerOutbox& outbox, MetricsLog* log = nullptr, RunObserver* observer = nullptr);

  // Evaluates the initial model and starts the clock of max_seconds.
  void start();
  void handle(const std::string& client, Span<const uint8_t> bytes);
  void tick();
  // Says Bye to every client, writes the summary. Idempotent.
  void stop(const char* reason);

  bool stopped() const { return stopped_; }
  const char* stop_reason() const { return stop_reason_.c_str(); }
  const Metrics& metrics() const { return metrics_; }
  const GlobalModel& model() const override { return model_; }
  const ClientRegistry& clients() const { return clients_; }
  const AcceptancePolicy& acceptance() const { return *acceptance_; }
  const StepsizePolicy& stepsize() const { return *stepsize_; }
  const StalenessPolicy& staleness() const { return *staleness_; }
  const AggregationPolicy& aggregation() const { return *aggregation_; }
  const EvalPoint& last_eval() const { return last_eval_; }
  uint32_t max_message_bytes() const { return max_message_bytes_; }
  const ClientPolicyNeeds& client_policy_needs() const { return client_needs_; }
  const ModelDownlink& downlink() const { return downlink_; }
  // Called after every handled message and tick: periodic checkpoints
  // (coordinator/checkpointer.h).
  void set_step_hook(std::function<void()> hook) { step_hook_ = std::move(hook); }
  // The transport closed a connection that would not finish its message.
  void count_dropped_peer() { ++metrics_.limits.peers_dropped; }
  // Called after every evaluation, on the coordinator's thread (the HTTP
  // snapshot publisher, docs/monitoring.md).
  void set_eval_listener(std::function<void()> listener) { eval_listener_ = std::move(listener); }

 private:
  // Saves and restores the state a resumed run needs (coordinator/checkpoint.cc).
  friend class CoordinatorCheckpoint;

  void on_hello(const std::string& id, uint32_t seq, const wire::Hello& hello);
  void on_offer(const std::string& id, ClientRecord& client, uint32_t seq,
                const wire::OfferBody& offer);
  void on_update(const std::string& id, ClientRecord& client, uint32_t seq,
                 const wire::Update& update);
  void on_skip(const std::string& id, ClientRecord& client, const wire::Skip& skip);
  void apply_update(const std::string& id, ClientRecord& client, const IncomingUpdate& update);
  void dispatch(const std::string& id, Span<const uint8_t> bytes);
  void on_bye(const std::string& id);
  // Config params: every policy's settings, prefixed by its family.
  void add_config_params(const char* family, const PolicySettings& settings);
  // Copies the policies' own counters into metrics_ before they are reported.
  void sync_policy_counts();
  // Starved clients: metrics_.clients_never_applied, before a line is written.
  void count_never_applied();
  void check_max_versions();
  // Limits against abuse (coordinator_limits.cc, docs/security.md "Limits"):
  // each returns false after answering the client when the message is refused.
  bool admit_hello(const std::string& id, uint32_t seq, const wire::Hello& hello, uint32_t chunk);
  bool admit_update(const std::string& id, ClientRecord& client, uint32_t seq, uint32_t version);
  bool limit_norm(const std::string& id, uint32_t seq, IncomingUpdate& update);
  bool serve_model_request(ClientRecord& client);
  bool commit_stays_finite(Span<const float> direction, double scale);
  void expire_silent_clients();

  // AggregationHost: what the aggregation policy may do.
  void commit(Span<const float> direction, double scale) override;
  void send_model(const std::string& id) override;
  int64_t now_us() const override { return clock_.now_us(); }
  void reply(const std::string& id, const Result<Span<const uint8_t>>& message);
  void reply_error(const std::string& id, uint32_t ref_seq, wire::ErrorCode code,
                   const char* format, ...) __attribute__((format(printf, 5, 6)));
  void send_error(const std::string& id, uint32_t ref_seq, wire::ErrorCode code, const char* text,
                  uint8_t protocol_version);
  // UnsupportedProtocol naming both versions, in the sender's version.
  void reply_protocol_error(const std::string& id, Span<const uint8_t> bytes);
  void send_model(const std::string& id, ClientRecord& client);
  void evaluate_and_report();
  double elapsed_s() const;

  CoordinatorSettings settings_;
  GlobalModel model_;
  std::unique_ptr<AcceptancePolicy> acceptance_;
  std::unique_ptr<StepsizePolicy> stepsize_;
  std::unique_ptr<StalenessPolicy> staleness_;
  std::unique_ptr<AggregationPolicy> aggregation_;
  Evaluator* evaluator_;
  const Clock& clock_;
  ServerOutbox& outbox_;
  MetricsLog* log_;
  RunObserver* observer_;

  // What the configured trigger and compression make clients send.
  ClientPolicyNeeds client_needs_;
  uint32_t max_message_bytes_;
  std::vector<float> decoded_;  // dense form of the last compressed Update
  UpdateGuard update_guard_;
  int64_t last_expiry_sweep_us_ = 0;
  // Policy settings as sent in Config (names kept alive for the Param views).
  std::vector<std::unique_ptr<std::string>> config_param_names_;
  std::vector<ConfigInfo::Param> config_params_;
  std::vector<uint8_t> arena_;
  MessageWriter writer_;
  uint32_t seq_ = 0;
  int64_t start_us_ = 0;
  ClientRegistry clients_;
  ModelDownlink downlink_;  // how models are coded for each client (downlink.codec)
  Metrics metrics_;
  EvalPoint last_eval_;
  bool holding_model_ = false;  // true until min_clients have registered
  bool stopped_ = false;
  std::string stop_reason_;
  std::function<void()> step_hook_;
  bool resumed_ = false;            // restored from a checkpoint before start()
  int64_t resumed_elapsed_us_ = 0;  // run time before the restart, for max_seconds
  std::function<void()> eval_listener_;
};

}  // namespace fedgate
