#include "coordinator/coordinator.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "coordinator/aggregation/apply_on_arrival.h"
#include "coordinator/staleness/identity_staleness.h"

namespace fedgate {
namespace {

wire::ModelKind to_wire(ModelKind kind) { return static_cast<wire::ModelKind>(kind); }

// The client policies' needs; invalid settings (main() validates them first)
// fall back to the defaults so the coordinator still runs.
ClientPolicyNeeds client_needs(const CoordinatorSettings& settings, size_t dim) {
  Result<ClientPolicyNeeds> needs = check_client_policy_settings(
      settings.client_policies, settings.model, dim, settings.batch_size);
  if (needs.is_ok()) return *needs;
  std::fprintf(stderr, "fedgate-coordinator: client policies: %s; using offer-first, dense\n",
               needs.status().message());
  ClientPolicyNeeds defaults;
  defaults.max_payload_bytes = dim * sizeof(float);
  return defaults;
}

}  // namespace

uint32_t gradients_in(const IncomingUpdate& update, uint32_t batch_size) {
  if (update.kind != wire::UpdateKind::SummedGradient || batch_size == 0) return 1;
  const uint32_t b = (update.samples + batch_size / 2) / batch_size;
  return std::max<uint32_t>(b, 1);
}

Coordinator::Coordinator(const CoordinatorSettings& settings, GlobalModel model,
                         ServerPolicies policies, Evaluator* evaluator, const Clock& clock,
                         ServerOutbox& outbox, MetricsLog* log, RunObserver* observer)
    : settings_(settings),
      model_(std::move(model)),
      acceptance_(std::move(policies.acceptance)),
      stepsize_(std::move(policies.stepsize)),
      staleness_(policies.staleness ? std::move(policies.staleness)
                                    : std::make_unique<IdentityStaleness>()),
      aggregation_(policies.aggregation ? std::move(policies.aggregation)
                                        : std::make_unique<ApplyOnArrival>()),
      evaluator_(evaluator),
      clock_(clock),
      outbox_(outbox),
      log_(log),
      observer_(observer),
      client_needs_(client_needs(settings, model_.dim())),
      max_message_bytes_(settings.max_message_bytes != 0
                             ? settings.max_message_bytes
                             : static_cast<uint32_t>(std::max(model_.dim() * sizeof(float),
                                                              client_needs_.max_payload_bytes) +
                                                     kMessageOverhead)),
      decoded_(model_.dim()),
      update_guard_(settings.limits, window_from_settings(acceptance_->settings())),
      arena_(std::max<size_t>(settings.chunk_floats * sizeof(float), 8192) + kMessageOverhead),
      writer_(Span<uint8_t>(arena_.data(), arena_.size())),
      downlink_(settings.downlink) {
  add_config_params("acceptance", acceptance_->settings());
  add_config_params("stepsize", stepsize_->settings());
  add_config_params("staleness", staleness_->settings());
  add_config_params("aggregation", aggregation_->settings());
  // Client policy settings: only those given in the config, so a default run's
  // Config stays as it was.
  const ClientPolicySettings& client = settings_.client_policies;
  add_config_params("trigger",
                    PolicySettings(client.trigger_params.begin(), client.trigger_params.end()));
  add_config_params("compression", PolicySettings(client.compression_params.begin(),
                                                  client.compression_params.end()));
  // The staleness policy may have been built around another copy of the
  // initial model; make sure its snapshot of this version is this model.
  staleness_->on_committed(model_);
}

Coordinator::Coordinator(const CoordinatorSettings& settings, GlobalModel model,
                         std::unique_ptr<AcceptancePolicy> acceptance,
                         std::unique_ptr<StepsizePolicy> stepsize, Evaluator* evaluator,
                         const Clock& clock, ServerOutbox& outbox, MetricsLog* log,
                         RunObserver* observer)
    : Coordinator(settings, std::move(model),
                  ServerPolicies{std::move(acceptance), std::move(stepsize), nullptr, nullptr},
                  evaluator, clock, outbox, log, observer) {}

void Coordinator::add_config_params(const char* family, const PolicySettings& settings) {
  for (const auto& [name, value] : settings) {
    // Heap-held names stay put while the vector grows; the Param views point at them.
    config_param_names_.push_back(std::make_unique<std::string>(std::string(family) + "." + name));
    config_params_.push_back({config_param_names_.back()->c_str(), value});
  }
}

double Coordinator::elapsed_s() const {
  return static_cast<double>(clock_.now_us() - start_us_) / 1e6;
}

void Coordinator::start() {
  start_us_ = clock_.now_us() - resumed_elapsed_us_;
  // A resumed run keeps the checkpoint's hold: a fleet that had started goes on.
  if (!resumed_) holding_model_ = settings_.min_clients > 0;
  evaluate_and_report();
}

// The union member's name, or its number when this version has no such member.
static std::string message_name(wire::Message type) {
  const char* name = wire::EnumNameMessage(type);
  if (name != nullptr && name[0] != '\0') return name;
  return "unknown message type " + std::to_string(static_cast<unsigned>(type));
}

void Coordinator::reply(const std::string& id, const Result<Span<const uint8_t>>& message) {
  if (!message.is_ok()) {
    // Only a bug can make a reply not fit the arena; say so loudly, keep running.
    std::fprintf(stderr, "fedgate-coordinator: internal: cannot build reply: %s\n",
                 message.status().message());
    return;
  }
  outbox_.send(id, *message);
  ++metrics_.messages_down;
  metrics_.bytes_down += message->size();
  if (ClientRecord* client = clients_.find(id)) client->counts.bytes_down += message->size();
}

void Coordinator::reply_error(const std::string& id, uint32_t ref_seq, wire::ErrorCode code,
                              const char* format, ...) {
  char text[160];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof(text), format, args);
  va_end(args);
  send_error(id, ref_seq, code, text, kProtocolVersion);
}

void Coordinator::send_error(const std::string& id, uint32_t ref_seq, wire::ErrorCode code,
                             const char* text, uint8_t protocol_version) {
  if (code == wire::ErrorCode::VersionOutsideWindow) {
    // Normal under load (an offer, or an update, too far behind), not a fault:
    // counted apart (metrics.h).
    ++metrics_.stale_offers;
  } else {
    ++metrics_.errors;
    ++metrics_.errors_by_code[wire::EnumNameErrorCode(code)];
    if (ClientRecord* client = clients_.find(id)) ++client->counts.errors;
  }
  spdlog::debug("client {}: {}: {}", printable_id(id), wire::EnumNameErrorCode(code), text);
  reply(id, writer_.error(++seq_, code, ref_seq, text, protocol_version));
}

void Coordinator::reply_protocol_error(const std::string& id, Span<const uint8_t> bytes) {
  // An older peer gets the Error in its own version, which it can verify (codec.h);
  // a newer one knows ours.
  const uint8_t theirs = envelope_protocol_version(bytes);
  const uint8_t reply_version =
      theirs != 0 && theirs < kProtocolVersion ? theirs : kProtocolVersion;
  char text[120];
  std::snprintf(text, sizeof(text),
                "protocol version %u is not supported: this coordinator speaks %u",
                static_cast<unsigned>(theirs), static_cast<unsigned>(kProtocolVersion));
  send_error(id, 0, wire::ErrorCode::UnsupportedProtocol, text, reply_version);
}

void Coordinator::send_model(const std::string& id) {
  if (stopped_) return;
  if (ClientRecord* client = clients_.find(id)) send_model(id, *client);
}

void Coordinator::send_model(const std::string& id, ClientRecord& client) {
  // The aggregation's budget for this client rides on the model's last chunk.
  writer_.set_round_budget(aggregation_->round_budget(id));
  downlink_.send(id, client.chunk_floats, model_, writer_, &seq_,
                 [&](const Result<Span<const uint8_t>>& chunk) { reply(id, chunk); });
  writer_.set_round_budget(RoundBudget());
  ++metrics_.model_sends;
}

void Coordinator::handle(const std::string& id, Span<const uint8_t> bytes) {
  dispatch(id, bytes);
  check_max_versions();
  sync_policy_counts();
  if (step_hook_) step_hook_();
}

void Coordinator::check_max_versions() {
  if (!stopped_ && settings_.max_versions != 0 && model_.version() >= settings_.max_versions) {
    stop("reached max_versions");
  }
}

void Coordinator::dispatch(const std::string& id, Span<const uint8_t> bytes) {
  ++metrics_.messages_up;
  metrics_.bytes_up += bytes.size();
  ClientRecord* client = clients_.find(id);
  if (client != nullptr) {
    client->counts.bytes_up += bytes.size();
    client->last_seen_us = clock_.now_us();
  }
  if (stopped_) {
    reply_error(id, 0, wire::ErrorCode::ShuttingDown, "coordinator has stopped: %s",
                stop_reason_.c_str());
    return;
  }
  if (bytes.size() > max_message_bytes_) {
    reply_error(id, 0, wire::ErrorCode::MessageTooLarge, "message of %zu bytes exceeds %u",
                bytes.size(), max_message_bytes_);
    return;
  }
  wire::ErrorCode error = wire::ErrorCode::None;
  const wire::Envelope* envelope = verify_envelope(bytes, &error);
  if (envelope == nullptr && error == wire::ErrorCode::UnsupportedProtocol) {
    reply_protocol_error(id, bytes);
    return;
  }
  if (envelope == nullptr) {
    reply_error(id, 0, error, "%s", error_code_text(error));
    return;
  }
  const uint32_t seq = envelope->seq();
  const wire::Message type = envelope->message_type();
  if (type == wire::Message::Hello) {
    on_hello(id, seq, *envelope->message_as_Hello());
    return;
  }
  if (client == nullptr) {
    reply_error(id, seq, wire::ErrorCode::UnknownClient,
                "%s sent %s while not registered: send Hello (first, and again after Bye)",
                printable_id(id).c_str(), message_name(type).c_str());
    return;
  }
  // An Offer, Update or Skip shows the client got a model: it may ask again.
  if (type == wire::Message::Offer || type == wire::Message::Update || type == wire::Message::Skip)
    client->model_requests_served = 0;
  switch (type) {
    case wire::Message::Offer:
      on_offer(id, *client, seq, *envelope->message_as_Offer()->body());
      return;
    case wire::Message::Update: on_update(id, *client, seq, *envelope->message_as_Update()); return;
    case wire::Message::ModelRequest:
      downlink_.forget(id);  // the client lost its copy: the next model goes dense
      if (!holding_model_ && serve_model_request(*client)) {
        aggregation_->on_model_request(*this, id);
      }
      return;
    case wire::Message::Skip: on_skip(id, *client, *envelope->message_as_Skip()); return;
    case wire::Message::Heartbeat: return;
    case wire::Message::Bye: on_bye(id); return;
    default:
      reply_error(id, seq, wire::ErrorCode::UnexpectedMessage, "a client does not send %s",
                  message_name(type).c_str());
      return;
  }
}

void Coordinator::on_hello(const std::string& id, uint32_t seq, const wire::Hello& hello) {
  ++metrics_.hellos;
  const ModelSpec& spec = settings_.model;
  if (hello.num_features() != spec.num_features || hello.num_classes() != spec.num_classes) {
    reply_error(id, seq, wire::ErrorCode::DataMismatch,
                "client data has %u features and %u classes; the %u-parameter model needs %u "
                "features and %u classes",
                hello.num_features(), hello.num_classes(), static_cast<uint32_t>(model_.dim()),
                spec.num_features, spec.num_classes);
    return;
  }
  if (hello.max_model_dim() != 0 && hello.max_model_dim() < model_.dim()) {
    reply_error(id, seq, wire::ErrorCode::DataMismatch,
                "client holds at most %u parameters; the model has %u", hello.max_model_dim(),
                static_cast<uint32_t>(model_.dim()));
    return;
  }
  const wire::Codec codec = client_needs_.codec;
  bool produces_codec = codec == wire::Codec::Dense;  // every client can send dense
  if (hello.codecs() != nullptr) {
    for (const auto announced : *hello.codecs()) {
      if (static_cast<wire::Codec>(announced) == codec) produces_codec = true;
    }
  }
  if (!produces_codec) {
    reply_error(id, seq, wire::ErrorCode::UnsupportedCodec,
                "this run uses %s compression; the client cannot produce %s updates",
                settings_.client_policies.compression.c_str(), wire::EnumNameCodec(codec));
    return;
  }
  uint32_t chunk = settings_.chunk_floats;
  if (hello.max_chunk_floats() != 0) chunk = std::min(chunk, hello.max_chunk_floats());
  if (hello.max_message_bytes() != 0) {
    const uint32_t room =
        hello.max_message_bytes() > kMessageOverhead
            ? (hello.max_message_bytes() - static_cast<uint32_t>(kMessageOverhead)) /
                  static_cast<uint32_t>(sizeof(float))
            : 0;
    chunk = std::min(chunk, room);
  }
  if (chunk == 0) {
    reply_error(id, seq, wire::ErrorCode::MessageTooLarge,
                "client receives at most %u bytes, too few for a model chunk",
                hello.max_message_bytes());
    return;
  }
  if (!admit_hello(id, seq, hello, chunk)) return;
  ClientRecord& client = clients_.upsert(id);
  client.name = hello.name() != nullptr ? hello.name()->str() : id;
  client.device_class = hello.device_class();
  client.chunk_floats = chunk;
  client.last_seen_us = clock_.now_us();
  downlink_.on_hello(id, hello);

  ConfigInfo config;
  config.model_kind = to_wire(spec.kind);
  config.model_dim = static_cast<uint32_t>(model_.dim());
  config.num_features = spec.num_features;
  config.num_classes = spec.num_classes;
  config.hidden_units = spec.hidden_units;
  config.batch_size = settings_.batch_size;
  config.chunk_floats = chunk;
  config.heartbeat_ms = settings_.heartbeat_ms;
  config.acceptance = acceptance_->name();
  config.stepsize = stepsize_->name();
  config.params = Span<const ConfigInfo::Param>(config_params_.data(), config_params_.size());
  config.codec = codec;
  config.trigger = settings_.client_policies.trigger.c_str();
  config.compression = settings_.client_policies.compression.c_str();
  reply(id, writer_.config(++seq_, config));
  if (!holding_model_) {
    aggregation_->on_join(*this, id);
    return;
  }
  // Training starts for everyone at once, when the fleet is complete.
  if (clients_.active_count() < settings_.min_clients) return;
  holding_model_ = false;
  std::vector<std::string> fleet;
  for (const auto& [other_id, other] : clients_.all()) {
    if (other.active) fleet.push_back(other_id);
  }
  for (const std::string& other_id : fleet) aggregation_->on_join(*this, other_id);
}

void Coordinator::on_bye(const std::string& id) {
  clients_.deactivate(id);
  downlink_.forget(id);
  acceptance_->on_client_left(id);
  stepsize_->on_client_left(id);
  if (!holding_model_) aggregation_->on_leave(*this, id);
}

void Coordinator::on_offer(const std::string& id, ClientRecord& client, uint32_t seq,
                           const wire::OfferBody& offer) {
  const double norm = offer.grad_norm();
  if (!std::isfinite(norm) || !std::isfinite(offer.loss()) || norm < 0) {
    reply_error(id, seq, wire::ErrorCode::NonFinite,
                "offer norm %g / loss %g is not a finite "
                "non-negative number",
                norm, static_cast<double>(offer.loss()));
    return;
  }
  const uint32_t t = model_.version();
  if (offer.version() > t) {
    reply_error(id, seq, wire::ErrorCode::VersionFromFuture,
                "offer for version %u, coordinator is at %u", offer.version(), t);
    // A client ahead of us saw versions a resumed coordinator lost: it needs this one.
    send_model(id, client);
    return;
  }
  OfferContext context;
  context.offer_version = offer.version();
  context.current_version = t;
  context.grad_norm = norm;
  context.active_clients = static_cast<uint32_t>(clients_.active_count());
  context.model = &model_;
  context.client = &id;
  const Verdict verdict = acceptance_->decide(context);
  if (verdict == Verdict::kOutsideWindow) {
    reply_error(id, seq, wire::ErrorCode::VersionOutsideWindow,
                "offer for version %u, %s keeps versions after %u", offer.version(),
                acceptance_->name(), t);
    client.pending = false;
    send_model(id, client);
    return;
  }
  ++metrics_.offers;
  ++client.counts.offers;
  const bool accept = verdict == Verdict::kAccept;
  client.pending = accept;
  client.pending_version = offer.version();
  client.pending_norm = norm;
  if (accept) {
    ++metrics_.accepts;
    ++client.counts.accepts;
  } else {
    ++metrics_.rejects;
    ++client.counts.rejects;
  }
  reply(id, writer_.decision(++seq_, offer.version(), t, accept));
  if (!accept) send_model(id, client);
}

void Coordinator::on_update(const std::string& id, ClientRecord& client, uint32_t seq,
                            const wire::Update& update) {
  // Offer-first: an Update answers an accepted Offer and carries its norm.
  // Other triggers send Updates on their own; there is no norm to check.
  const bool offered = client_needs_.offers;
  if (offered && (!client.pending || update.version() != client.pending_version)) {
    reply_error(id, seq, wire::ErrorCode::UnexpectedMessage,
                "update for version %u has no accepted offer", update.version());
    return;
  }
  // The offer is used up by this Update, valid or not: a refused Update needs a new offer.
  client.pending = false;
  if (update.version() > model_.version()) {
    reply_error(id, seq, wire::ErrorCode::VersionFromFuture,
                "update for version %u, coordinator is at %u", update.version(), model_.version());
    send_model(id, client);  // as for an offer: a client ahead of a resumed coordinator
    return;
  }
  if (!admit_update(id, client, seq, update.version())) return;
  if (update.codec() != client_needs_.codec) {
    reply_error(id, seq, wire::ErrorCode::UnsupportedCodec,
                "update codec %s, this run takes %s (%s compression)",
                wire::EnumNameCodec(update.codec()), wire::EnumNameCodec(client_needs_.codec),
                settings_.client_policies.compression.c_str());
    return;
  }
  if (update.kind() != client_needs_.kind) {
    reply_error(id, seq, wire::ErrorCode::UnexpectedMessage,
                "update kind %s, the %s trigger sends %s", wire::EnumNameUpdateKind(update.kind()),
                settings_.client_policies.trigger.c_str(),
                wire::EnumNameUpdateKind(client_needs_.kind));
    return;
  }
  wire::ErrorCode code = wire::ErrorCode::None;
  Result<Span<const float>> decoded =
      decode_update(update, static_cast<uint32_t>(model_.dim()),
                    Span<float>(decoded_.data(), decoded_.size()), &code);
  if (!decoded.is_ok()) {
    reply_error(id, seq, code, "%s", decoded.status().message());
    return;
  }
  const Span<const float> gradient = *decoded;
  const double norm = l2_norm(gradient);
  if (offered) {
    const double expected = client.pending_norm;
    if (std::fabs(norm - expected) > settings_.norm_tolerance * std::max(expected, 1e-12)) {
      reply_error(id, seq, wire::ErrorCode::NormMismatch,
                  "update norm %.6g differs from offered %.6g", norm, expected);
      return;
    }
  }

  IncomingUpdate incoming;
  incoming.version = update.version();
  incoming.kind = update.kind();
  incoming.gradient = gradient;
  incoming.grad_norm = norm;
  incoming.samples = update.samples();
  incoming.compute_us = update.compute_us();
  incoming.steps = update.steps();
  incoming.round = update.round();
  incoming.part = update.part();
  incoming.parts = update.parts();
  incoming.offered = offered;
  if (!limit_norm(id, seq, incoming)) return;
  apply_update(id, client, incoming);
}

// Everything after decoding and validation: the aggregation side of the
// coordinator (staleness, stepsize, then the aggregation policy applies or
// buffers, commits and dispatches).
void Coordinator::apply_update(const std::string& id, ClientRecord& client,
                               const IncomingUpdate& update) {
  const uint32_t t = model_.version();
  const uint32_t tau = update.version <= t ? t - update.version : 0;
  const uint32_t concurrency = static_cast<uint32_t>(clients_.active_count());
  Corrected corrected{update.gradient, 1.0};
  // A local update is a model change, not a gradient: no Taylor correction.
  if (update.kind != wire::UpdateKind::LocalUpdate) {
    StalenessContext context;
    context.version = update.version;
    context.current_version = t;
    context.model = &model_;
    corrected = staleness_->transform(context, update.gradient);
  }
  if (corrected.theta == 0) {
    ++metrics_.clipped;
    aggregation_->on_skip(*this, id, update.version);
    return;
  }
  StepContext step;
  step.staleness = tau;
  step.current_version = t;
  step.busy_clients = concurrency;
  step.client = &id;
  step.compute_us = update.compute_us;
  step.now_us = clock_.now_us();
  step.gradients = gradients_in(update, settings_.batch_size);
  step.messages = update.parts;
  const double gamma =
      stepsize_->gamma(step) * acceptance_->update_scale(id, tau, concurrency) * corrected.theta;
  Contribution contribution;
  contribution.version = update.version;
  contribution.kind = update.kind;
  contribution.values = corrected.gradient;
  contribution.gamma = gamma;
  contribution.gradients = step.gradients;
  contribution.messages = update.parts;
  contribution.compute_us = update.compute_us;
  // Counted before the call, as a commit inside it may write an evaluation
  // line; a dropped contribution (after its round's commit, which commits
  // nothing) is taken back, so updates and the staleness count only what is applied.
  ++metrics_.updates;
  ++metrics_.staleness[tau];
  ++client.counts.updates;
  client.counts.staleness_sum += tau;
  if (aggregation_->on_update(*this, id, contribution)) return;
  --metrics_.updates;
  if (--metrics_.staleness[tau] == 0) metrics_.staleness.erase(tau);
  --client.counts.updates;
  client.counts.staleness_sum -= tau;
}

void Coordinator::commit(Span<const float> direction, double scale) {
  if (!commit_stays_finite(direction, scale)) return;
  model_.apply(direction, scale);
  AppliedStep applied;
  applied.new_version = model_.version();
  applied.gamma = std::fabs(scale);
  applied.grad_norm = l2_norm(direction);
  acceptance_->on_applied(applied, model_);
  staleness_->on_committed(model_);
  ++metrics_.commits;
  const bool eval_due = settings_.eval_every != 0 && model_.version() % settings_.eval_every == 0;
  if (eval_due) evaluate_and_report();
}

void Coordinator::on_skip(const std::string& id, ClientRecord& client, const wire::Skip& skip) {
  ++metrics_.skips;
  client.pending = false;
  if (!holding_model_) aggregation_->on_skip(*this, id, skip.version());
}

void Coordinator::sync_policy_counts() {
  const AggregationCounts& counts = aggregation_->counts();
  metrics_.buffered = counts.buffered;
  metrics_.reused = counts.reused;
  metrics_.dropped_old = counts.dropped_old;
  metrics_.held = counts.held;
  metrics_.forced_accepts = acceptance_->forced_accepts();
}

void Coordinator::count_never_applied() {
  metrics_.clients_never_applied = 0;
  for (const auto& [id, record] : clients_.all()) {
    if (record.counts.updates == 0) ++metrics_.clients_never_applied;
  }
}

void Coordinator::evaluate_and_report() {
  EvalPoint point;
  point.version = model_.version();
  point.time_s = elapsed_s();
  if (evaluator_ != nullptr) {
    const Evaluation evaluation = evaluator_->evaluate(model_.params());
    point.accuracy = evaluation.accuracy;
    point.loss = evaluation.loss;
  }
  last_eval_ = point;
  sync_policy_counts();
  count_never_applied();
  if (log_ != nullptr) log_->write("eval", point, metrics_, clients_);
  if (observer_ != nullptr) observer_->on_eval(point, metrics_, clients_);
  if (eval_listener_) eval_listener_();
  if (settings_.target_accuracy > 0 && point.accuracy >= settings_.target_accuracy) {
    stop("reached target_accuracy");
  }
}

void Coordinator::tick() {
  if (stopped_) return;
  if (!holding_model_) aggregation_->on_tick(*this);
  expire_silent_clients();
  check_max_versions();
  sync_policy_counts();
  if (stopped_) return;
  if (settings_.max_seconds > 0 && elapsed_s() >= settings_.max_seconds)
    stop("reached max_seconds");
  if (step_hook_) step_hook_();
}

void Coordinator::stop(const char* reason) {
  if (stopped_) return;
  stopped_ = true;
  stop_reason_ = reason;
  if (last_eval_.version != model_.version()) evaluate_and_report();
  for (const auto& [id, record] : clients_.all()) {
    if (record.active) reply(id, writer_.bye(++seq_, wire::ByeReason::Finished, reason));
  }
  const TextFields extra = {{"reason", reason},
                            {"acceptance", acceptance_->name()},
                            {"stepsize", stepsize_->name()},
                            {"staleness_policy", staleness_->name()},
                            {"aggregation", aggregation_->name()},
                            {"trigger", settings_.client_policies.trigger},
                            {"compression", settings_.client_policies.compression}};
  sync_policy_counts();
  count_never_applied();
  EvalPoint final_point = last_eval_;
  final_point.time_s = elapsed_s();
  if (log_ != nullptr) log_->write("summary", final_point, metrics_, clients_, extra);
  if (observer_ != nullptr) observer_->on_stop(reason, final_point, metrics_, clients_);
}

}  // namespace fedgate
