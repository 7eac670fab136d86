#include "coordinator/checkpoint.h"

#include <string>

#include "core/models/model_factory.h"

namespace fedgate {
namespace {

// Section names; docs/run-directory.md lists them.
constexpr char kRunSection[] = "run";
constexpr char kModelSection[] = "model";
constexpr char kCountersSection[] = "counters";
constexpr char kClientsSection[] = "clients";
constexpr char kAcceptanceSection[] = "acceptance";
constexpr char kStepsizeSection[] = "stepsize";
constexpr char kStalenessSection[] = "staleness";
constexpr char kAggregationSection[] = "aggregation";
// Optional: checkpoints written before it have none (their clients get dense models until
// they register again).
constexpr char kDownlinkSection[] = "downlink";

// What must be the same for a checkpoint to fit a run.
struct Identity {
  std::string model_kind;
  uint32_t num_features = 0, num_classes = 0, hidden_units = 0, dim = 0;
  std::string acceptance, stepsize, staleness, aggregation;
};

void save_identity(StateWriter& out, const Identity& id) {
  out.str(id.model_kind);
  out.u32(id.num_features);
  out.u32(id.num_classes);
  out.u32(id.hidden_units);
  out.u32(id.dim);
  out.str(id.acceptance);
  out.str(id.stepsize);
  out.str(id.staleness);
  out.str(id.aggregation);
}

Identity read_identity(StateReader& in) {
  Identity id;
  id.model_kind = in.str();
  id.num_features = in.u32();
  id.num_classes = in.u32();
  id.hidden_units = in.u32();
  id.dim = in.u32();
  id.acceptance = in.str();
  id.stepsize = in.str();
  id.staleness = in.str();
  id.aggregation = in.str();
  return id;
}

// The first difference between a checkpoint's run and this one, or ok.
Status compare(const Identity& saved, const Identity& now) {
  const auto differs = [](const char* what, const std::string& a, const std::string& b) {
    return Status::error(StatusCode::kFailedPrecondition, "%s is %s in the checkpoint, %s now",
                         what, a.c_str(), b.c_str());
  };
  if (saved.model_kind != now.model_kind) {
    return differs("model.kind", saved.model_kind, now.model_kind);
  }
  if (saved.num_features != now.num_features || saved.num_classes != now.num_classes ||
      saved.hidden_units != now.hidden_units || saved.dim != now.dim) {
    return Status::error(StatusCode::kFailedPrecondition,
                         "the model is %u features, %u classes, %u hidden (%u parameters) in the "
                         "checkpoint, %u, %u, %u (%u) now",
                         saved.num_features, saved.num_classes, saved.hidden_units, saved.dim,
                         now.num_features, now.num_classes, now.hidden_units, now.dim);
  }
  if (saved.acceptance != now.acceptance) {
    return differs("acceptance.policy", saved.acceptance, now.acceptance);
  }
  if (saved.stepsize != now.stepsize)
    return differs("stepsize.policy", saved.stepsize, now.stepsize);
  if (saved.staleness != now.staleness) {
    return differs("staleness.policy", saved.staleness, now.staleness);
  }
  if (saved.aggregation != now.aggregation) {
    return differs("aggregation.policy", saved.aggregation, now.aggregation);
  }
  return Status::ok();
}

void save_metrics(StateWriter& out, const Metrics& m) {
  for (const uint64_t value :
       {m.messages_up, m.messages_down, m.bytes_up,       m.bytes_down, m.hellos,
        m.offers,      m.accepts,       m.rejects,        m.updates,    m.skips,
        m.commits,     m.clipped,       m.forced_accepts, m.buffered,   m.reused,
        m.dropped_old, m.held,          m.model_sends,    m.errors,     m.clients_never_applied}) {
    out.u64(value);
  }
  out.u32(static_cast<uint32_t>(m.errors_by_code.size()));
  for (const auto& [code, count] : m.errors_by_code) {
    out.str(code);
    out.u64(count);
  }
  out.u32(static_cast<uint32_t>(m.staleness.size()));
  for (const auto& [tau, count] : m.staleness) {
    out.u32(tau);
    out.u64(count);
  }
}

void restore_metrics(StateReader& in, Metrics* m) {
  for (uint64_t* value :
       {&m->messages_up,    &m->messages_down, &m->bytes_up, &m->bytes_down,
        &m->hellos,         &m->offers,        &m->accepts,  &m->rejects,
        &m->updates,        &m->skips,         &m->commits,  &m->clipped,
        &m->forced_accepts, &m->buffered,      &m->reused,   &m->dropped_old,
        &m->held,           &m->model_sends,   &m->errors,   &m->clients_never_applied}) {
    *value = in.u64();
  }
  m->errors_by_code.clear();
  const uint32_t codes = in.count(12);
  for (uint32_t i = 0; i < codes && !in.failed(); ++i) {
    const std::string code = in.str();
    m->errors_by_code[code] = in.u64();
  }
  m->staleness.clear();
  const uint32_t taus = in.count(12);
  for (uint32_t i = 0; i < taus && !in.failed(); ++i) {
    const uint32_t tau = in.u32();
    m->staleness[tau] = in.u64();
  }
}

void save_clients(StateWriter& out, const ClientRegistry& clients) {
  out.u32(static_cast<uint32_t>(clients.all().size()));
  for (const auto& [id, record] : clients.all()) {
    out.str(id);
    out.boolean(record.active);
    out.str(record.name);
    out.u32(static_cast<uint32_t>(record.device_class));
    out.u32(record.chunk_floats);
    out.time_us(record.last_seen_us);
    const ClientCounts& c = record.counts;
    for (const uint64_t value :
         {c.offers, c.accepts, c.rejects, c.updates, c.errors, c.bytes_up, c.bytes_down}) {
      out.u64(value);
    }
  }
}

// Offers accepted before the checkpoint are not restored (pending = false):
// their Updates, if they come, are refused and the client re-syncs.
void restore_clients(StateReader& in, ClientRegistry* clients) {
  const uint32_t count = in.count(4 + 1 + 4 + 4 + 4 + 8 + 7 * 8);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string id = in.str();
    const bool active = in.boolean();
    ClientRecord& record = clients->upsert(id);
    record.name = in.str();
    record.device_class = static_cast<wire::DeviceClass>(in.u32());
    record.chunk_floats = in.u32();
    record.last_seen_us = in.time_us();
    ClientCounts& c = record.counts;
    for (uint64_t* value :
         {&c.offers, &c.accepts, &c.rejects, &c.updates, &c.errors, &c.bytes_up, &c.bytes_down}) {
      *value = in.u64();
    }
    if (!active) clients->deactivate(id);
  }
}

void save_counts(StateWriter& out, const AggregationCounts& c) {
  for (const uint64_t value : {c.buffered, c.reused, c.dropped_old, c.held}) out.u64(value);
}

AggregationCounts read_counts(StateReader& in) {
  AggregationCounts c;
  for (uint64_t* value : {&c.buffered, &c.reused, &c.dropped_old, &c.held}) *value = in.u64();
  return c;
}

CheckpointSection section(const char* name, const StateWriter& out) {
  return CheckpointSection{name, out.bytes()};
}

// Reads section `name` with `read`, which must use every byte of it; the
// error names the section.
template <typename Read>
Status read_section(const CheckpointSections& sections, const char* name, int64_t now_us,
                    Read read) {
  const CheckpointSection* found = find_section(sections, name);
  if (found == nullptr) {
    return Status::error(StatusCode::kInvalidArgument, "the checkpoint has no %s section", name);
  }
  StateReader in(Span<const uint8_t>(found->bytes.data(), found->bytes.size()), now_us);
  read(in);
  return in.finish(name);
}

Identity identity_of(const CoordinatorSettings& settings, const Coordinator& coordinator) {
  Identity id;
  id.model_kind = model_kind_name(settings.model.kind);
  id.num_features = settings.model.num_features;
  id.num_classes = settings.model.num_classes;
  id.hidden_units = settings.model.hidden_units;
  id.dim = static_cast<uint32_t>(coordinator.model().dim());
  id.acceptance = coordinator.acceptance().name();
  id.stepsize = coordinator.stepsize().name();
  id.staleness = coordinator.staleness().name();
  id.aggregation = coordinator.aggregation().name();
  return id;
}

}  // namespace

CheckpointSections CoordinatorCheckpoint::save(const Coordinator& c) {
  const int64_t now = c.clock_.now_us();
  CheckpointSections sections;
  StateWriter run(now);
  save_identity(run, identity_of(c.settings_, c));
  sections.push_back(section(kRunSection, run));

  StateWriter model(now);
  model.u32(c.model_.version());
  model.floats(c.model_.params());
  sections.push_back(section(kModelSection, model));

  StateWriter counters(now);
  counters.u32(c.seq_);
  counters.i64(now - c.start_us_);  // run time so far
  counters.boolean(c.holding_model_);
  save_metrics(counters, c.metrics_);
  sections.push_back(section(kCountersSection, counters));

  StateWriter clients(now);
  save_clients(clients, c.clients_);
  sections.push_back(section(kClientsSection, clients));

  StateWriter acceptance(now);
  c.acceptance_->save_state(acceptance);
  sections.push_back(section(kAcceptanceSection, acceptance));
  StateWriter stepsize(now);
  c.stepsize_->save_state(stepsize);
  sections.push_back(section(kStepsizeSection, stepsize));
  StateWriter staleness(now);
  c.staleness_->save_state(staleness);
  sections.push_back(section(kStalenessSection, staleness));
  StateWriter aggregation(now);
  save_counts(aggregation, c.aggregation_->counts());
  c.aggregation_->save_state(aggregation);
  sections.push_back(section(kAggregationSection, aggregation));
  StateWriter downlink(now);
  c.downlink_.save_state(downlink);
  sections.push_back(section(kDownlinkSection, downlink));
  return sections;
}

uint32_t CoordinatorCheckpoint::version(const CheckpointSections& sections) {
  const CheckpointSection* model = find_section(sections, kModelSection);
  if (model == nullptr) return 0;
  StateReader in(Span<const uint8_t>(model->bytes.data(), model->bytes.size()));
  return in.u32();
}

Status CoordinatorCheckpoint::restore(const CheckpointSections& sections, Coordinator& c) {
  const int64_t now = c.clock_.now_us();
  Identity saved;
  FG_TRY(read_section(sections, kRunSection, now,
                      [&](StateReader& in) { saved = read_identity(in); }));
  FG_TRY(compare(saved, identity_of(c.settings_, c)));
  uint32_t version = 0;
  std::vector<float> params;
  FG_TRY(read_section(sections, kModelSection, now, [&](StateReader& in) {
    version = in.u32();
    in.floats(&params, c.model_.dim(), "the model");
  }));
  c.model_.restore(std::move(params), version);
  FG_TRY(read_section(sections, kCountersSection, now, [&](StateReader& in) {
    c.seq_ = in.u32();
    c.resumed_elapsed_us_ = in.i64();
    c.holding_model_ = in.boolean();
    restore_metrics(in, &c.metrics_);
  }));
  c.clients_ = ClientRegistry();
  FG_TRY(read_section(sections, kClientsSection, now,
                      [&](StateReader& in) { restore_clients(in, &c.clients_); }));
  FG_TRY(read_section(sections, kAcceptanceSection, now,
                      [&](StateReader& in) { c.acceptance_->restore_state(in); }));
  FG_TRY(read_section(sections, kStepsizeSection, now,
                      [&](StateReader& in) { c.stepsize_->restore_state(in); }));
  FG_TRY(read_section(sections, kStalenessSection, now,
                      [&](StateReader& in) { c.staleness_->restore_state(in); }));
  FG_TRY(read_section(sections, kAggregationSection, now, [&](StateReader& in) {
    c.aggregation_->restore_counts(read_counts(in));
    c.aggregation_->restore_state(in);
  }));
  if (find_section(sections, kDownlinkSection) != nullptr) {
    FG_TRY(read_section(sections, kDownlinkSection, now,
                        [&](StateReader& in) { c.downlink_.restore_state(in); }));
  }
  c.resumed_ = true;
  return Status::ok();
}

}  // namespace fedgate
