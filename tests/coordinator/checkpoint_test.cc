// Checkpoints (docs/run-directory.md): every stateful server policy's state
// survives a save and restore, the coordinator resumes where it was, a client
// ahead of a resumed coordinator gets its model, the file format refuses
// truncated and corrupt files, and the checkpointer keeps the last K and falls
// back past a bad newest one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/acceptance/accept_all.h"
#include "coordinator/acceptance/norm_ratio_exact.h"
#include "coordinator/acceptance/norm_ratio_simplified.h"
#include "coordinator/acceptance/starvation_guard.h"
#include "coordinator/aggregation/add_update.h"
#include "coordinator/aggregation/random_dispatch.h"
#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/aggregation/stale_sum.h"
#include "coordinator/aggregation/sync_minibatch.h"
#include "coordinator/checkpoint.h"
#include "coordinator/checkpoint_file.h"
#include "coordinator/checkpointer.h"
#include "coordinator/coordinator_config.h"
#include "coordinator/model_file.h"
#include "coordinator/model_saver.h"
#include "coordinator/staleness/pc_asgd_staleness.h"
#include "coordinator/stepsize/constant_stepsize.h"
#include "coordinator/stepsize/mishchenko_stepsize.h"
#include "coordinator/stepsize/rescaled_stepsize.h"
#include "coordinator/stepsize/shadowheart_stepsize.h"
#include "tests/coordinator/coordinator_harness.h"
#include "tests/core/data/temp_dir.h"

namespace fedgate {
namespace {

const GlobalModel& initial_model() {
  static const GlobalModel model(std::vector<float>{1, 2, 3, 4, 5, 6});
  return model;
}

// One stateful policy under test, in a run with plain policies around it.
struct PolicyCase {
  const char* name;
  std::function<ServerPolicies()> make;
};

ServerPolicies plain() {
  ServerPolicies p;
  p.acceptance = std::make_unique<AcceptAll>();
  p.stepsize = std::make_unique<ConstantStepsize>(0.1);
  return p;
}

std::vector<PolicyCase> policy_cases() {
  return {
      {"norm_ratio_simplified_with_guard",
       [] {
         ServerPolicies p = plain();
         p.acceptance = with_starvation_guard(std::make_unique<NormRatioSimplified>(0.5, 8), 1);
         return p;
       }},
      {"norm_ratio_exact",
       [] {
         ServerPolicies p = plain();
         p.acceptance = std::make_unique<NormRatioExact>(0.5, 4, initial_model());
         return p;
       }},
      {"rescaled_stepsize",
       [] {
         ServerPolicies p = plain();
         p.stepsize = std::make_unique<RescaledStepsize>(0.1, 0.9, 100);
         return p;
       }},
      {"pc_asgd_staleness",
       [] {
         ServerPolicies p = plain();
         PcAsgdSettings s;
         s.window = 8;
         p.staleness = std::make_unique<PcAsgdStaleness>(s, initial_model());
         return p;
       }},
      {"random_dispatch",
       [] {
         ServerPolicies p = plain();
         p.aggregation = std::make_unique<RandomDispatch>(7);
         return p;
       }},
      {"add_update",
       [] {
         ServerPolicies p = plain();
         p.stepsize = std::make_unique<MishchenkoStepsize>(0.1, 0);
         p.aggregation = std::make_unique<AddUpdate>(1, 0);
         return p;
       }},
      {"stale_sum",
       [] {
         ServerPolicies p = plain();
         p.aggregation = std::make_unique<StaleSum>(CoordinatorHarness::kDim);
         return p;
       }},
      {"sync_minibatch",
       [] {
         ServerPolicies p = plain();
         p.aggregation = std::make_unique<SyncMinibatch>(CoordinatorHarness::kDim);
         return p;
       }},
      {"shadowheart_round_buffer",
       [] {
         RoundBufferSettings round;
         round.messages = 2;
         ServerPolicies p = plain();
         p.stepsize = std::make_unique<ShadowheartStepsize>(0.1, round);
         p.aggregation = std::make_unique<RoundBuffer>(round, CoordinatorHarness::kDim);
         return p;
       }},
  };
}

std::vector<float> gradient(int step) {
  std::vector<float> g(CoordinatorHarness::kDim);
  for (size_t i = 0; i < g.size(); ++i) {
    g[i] = static_cast<float>(std::sin(1.3 * step + 0.7 * static_cast<double>(i)));
  }
  return g;
}

// Three clients taking turns: offers (accepted or not), updates, a skip now and
// then, time passing; `first` numbers the steps so two stretches differ.
void drive(CoordinatorHarness& run, int first, int steps) {
  const char* clients[] = {"a", "b", "c"};
  for (int step = first; step < first + steps; ++step) {
    const std::string client = clients[step % 3];
    run.clock().advance_us(1000 + 137 * step);
    if (step % 5 == 4) {
      run.skip(client);
    } else {
      run.contribute(client, gradient(step), wire::UpdateKind::Gradient, 8, 500 + 10 * step);
    }
    if (step % 4 == 3) run.tick();
  }
}

// The section called `name` of a checkpoint, as bytes.
std::vector<uint8_t> section_bytes(const CheckpointSections& sections, const char* name) {
  const CheckpointSection* section = find_section(sections, name);
  return section != nullptr ? section->bytes : std::vector<uint8_t>{};
}

class PolicyRoundTrip : public ::testing::TestWithParam<PolicyCase> {};

// A restored run saves the very bytes it was restored from, and a fresh run of
// the same policies does not (the policy had state to lose); both runs then
// go on alike.
TEST_P(PolicyRoundTrip, RestoredRunHasTheSameStateAndGoesOnAlike) {
  const PolicyCase& policy = GetParam();
  CoordinatorHarness original(policy.make());
  for (const char* client : {"a", "b", "c"}) original.hello(client);
  drive(original, 0, 14);
  const CheckpointSections saved = CoordinatorCheckpoint::save(original.coordinator());
  const int64_t now = original.clock().now_us();

  CoordinatorHarness fresh(policy.make(), 8, "offer-first", nullptr, now);
  const CheckpointSections fresh_saved = CoordinatorCheckpoint::save(fresh.coordinator());
  CoordinatorHarness resumed(policy.make(), 8, "offer-first", &saved, now);
  const CheckpointSections resumed_saved = CoordinatorCheckpoint::save(resumed.coordinator());

  ASSERT_EQ(resumed_saved.size(), saved.size());
  bool some_policy_state = false;
  for (const CheckpointSection& section : saved) {
    EXPECT_EQ(section_bytes(resumed_saved, section.name.c_str()), section.bytes)
        << policy.name << ": section " << section.name;
    const bool policy_section = section.name == "acceptance" || section.name == "stepsize" ||
                                section.name == "staleness" || section.name == "aggregation";
    if (policy_section && section_bytes(fresh_saved, section.name.c_str()) != section.bytes) {
      some_policy_state = true;
    }
  }
  EXPECT_TRUE(some_policy_state) << policy.name << ": the scenario left no policy state to test";
  EXPECT_EQ(resumed.version(), original.version());
  EXPECT_EQ(resumed.params(), original.params());

  // The clients come back (they register again after a restart) and go on.
  for (CoordinatorHarness* run : {&original, &resumed}) {
    for (const char* client : {"a", "b", "c"}) run->hello(client);
    drive(*run, 14, 12);
  }
  EXPECT_EQ(resumed.version(), original.version()) << policy.name;
  const std::vector<float> a = original.params(), b = resumed.params();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-5) << policy.name << " [" << i << "]";
}

INSTANTIATE_TEST_SUITE_P(EveryStatefulPolicy, PolicyRoundTrip, ::testing::ValuesIn(policy_cases()),
                         [](const ::testing::TestParamInfo<PolicyCase>& param) {
                           return std::string(param.param.name);
                         });

TEST(CoordinatorCheckpoint, KeepsCountersClientsAndRunTime) {
  CoordinatorHarness original(plain());
  original.hello("a");
  original.hello("b");
  original.contribute("a", gradient(1));
  original.bye("b");
  original.clock().advance_us(2500000);
  const CheckpointSections saved = CoordinatorCheckpoint::save(original.coordinator());
  EXPECT_EQ(CoordinatorCheckpoint::version(saved), 1u);

  CoordinatorHarness resumed(plain(), 8, "offer-first", &saved, 10000000);
  const Metrics& m = resumed.coordinator().metrics();
  EXPECT_EQ(m.hellos, 2u);
  EXPECT_EQ(m.updates, 1u);
  EXPECT_EQ(m.offers, original.coordinator().metrics().offers);
  const auto& clients = resumed.coordinator().clients().all();
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_TRUE(clients.at("a").active);
  EXPECT_FALSE(clients.at("b").active);
  EXPECT_EQ(clients.at("a").counts.updates, 1u);
  EXPECT_EQ(resumed.coordinator().clients().active_count(), 1u);
}

TEST(CoordinatorCheckpoint, AClientAheadOfTheResumedVersionGetsTheRestoredModel) {
  CoordinatorHarness original(plain());
  original.hello("a");
  original.contribute("a", gradient(1));
  const CheckpointSections at_one = CoordinatorCheckpoint::save(original.coordinator());
  original.contribute("a", gradient(2));
  original.contribute("a", gradient(3));
  ASSERT_EQ(original.held_version("a"), 3u);

  CoordinatorHarness resumed(plain(), 8, "offer-first", &at_one);
  ASSERT_EQ(resumed.version(), 1u);
  // "a" is still registered there and offers a gradient of version 3.
  EXPECT_FALSE(resumed.contribute_at("a", 3, gradient(4)));
  bool error = false;
  for (const auto& sent : resumed.sent()) {
    const auto* envelope = sent.envelope();
    if (envelope != nullptr && envelope->message_type() == wire::Message::Error) {
      EXPECT_EQ(envelope->message_as_Error()->code(), wire::ErrorCode::VersionFromFuture);
      error = true;
    }
  }
  EXPECT_TRUE(error);
  ASSERT_EQ(resumed.models_sent().size(), 1u);
  EXPECT_EQ(resumed.models_sent()[0], std::make_pair(std::string("a"), 1u));
}

TEST(CoordinatorCheckpoint, AnUpdateFromTheFutureAlsoGetsTheModel) {
  CoordinatorHarness original(plain(), 8, "every-step");
  original.hello("a");
  original.contribute("a", gradient(1));
  const CheckpointSections at_one = CoordinatorCheckpoint::save(original.coordinator());
  CoordinatorHarness resumed(plain(), 8, "every-step", &at_one);
  resumed.contribute_at("a", 5, gradient(2));
  EXPECT_EQ(resumed.version(), 1u);
  ASSERT_EQ(resumed.models_sent().size(), 1u);
  EXPECT_EQ(resumed.models_sent()[0].second, 1u);
}

// The encoding of the model the last message handled brought (one chunk per model here).
wire::ModelEncoding model_encoding(const CoordinatorHarness& run) {
  for (const auto& sent : run.sent()) {
    const auto* envelope = sent.envelope();
    if (envelope != nullptr && envelope->message_type() == wire::Message::ModelChunk) {
      return envelope->message_as_ModelChunk()->encoding();
    }
  }
  ADD_FAILURE() << "no model was sent";
  return wire::ModelEncoding::Dense;
}

// A resumed coordinator does not know what its clients hold (the references are
// not checkpointed), but it knows what they announced: one dense model each,
// then deltas again, without waiting for them to register again.
TEST(CoordinatorCheckpoint, RestoredClientsGetDeltasAgainAfterOneDenseModel) {
  CoordinatorHarness original(plain());  // downlink.codec: int8-delta, the default
  original.hello("a");
  ASSERT_TRUE(original.contribute("a", gradient(1)));
  ASSERT_TRUE(original.contribute("a", gradient(2)));
  ASSERT_EQ(model_encoding(original), wire::ModelEncoding::Int8Delta);
  const CheckpointSections saved = CoordinatorCheckpoint::save(original.coordinator());

  CoordinatorHarness resumed(plain(), 8, "offer-first", &saved);
  ASSERT_TRUE(resumed.contribute_at("a", original.held_version("a"), gradient(3)));
  EXPECT_EQ(model_encoding(resumed), wire::ModelEncoding::Dense);
  ASSERT_TRUE(resumed.contribute("a", gradient(4)));
  EXPECT_EQ(model_encoding(resumed), wire::ModelEncoding::Int8Delta);
  EXPECT_EQ(resumed.coordinator().metrics().hellos, 1u) << "no registration in between";
}

// Checkpoints written before the downlink section still resume.
TEST(CoordinatorCheckpoint, ACheckpointWithoutTheDownlinkSectionResumes) {
  CoordinatorHarness original(plain());
  original.hello("a");
  ASSERT_TRUE(original.contribute("a", gradient(1)));
  CheckpointSections saved = CoordinatorCheckpoint::save(original.coordinator());
  const size_t before = saved.size();
  saved.erase(std::remove_if(saved.begin(), saved.end(),
                             [](const CheckpointSection& s) { return s.name == "downlink"; }),
              saved.end());
  ASSERT_EQ(saved.size(), before - 1);
  CoordinatorHarness resumed(plain(), 8, "offer-first", &saved);  // restores without an error
  EXPECT_EQ(resumed.version(), 1u);
  // Nothing known of what "a" announced: dense until it registers again.
  ASSERT_TRUE(resumed.contribute_at("a", 1, gradient(2)));
  EXPECT_EQ(model_encoding(resumed), wire::ModelEncoding::Dense);
}

TEST(CoordinatorCheckpoint, RefusesAnotherKindOfRunSayingWhatDiffers) {
  ServerPolicies simplified = plain();
  simplified.acceptance = std::make_unique<NormRatioSimplified>(0.5, 8);
  CoordinatorHarness original(std::move(simplified));
  const CheckpointSections saved = CoordinatorCheckpoint::save(original.coordinator());

  CoordinatorHarness other(plain());
  const Status refused = CoordinatorCheckpoint::restore(saved, other.coordinator());
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(refused.message()).find("acceptance.policy"), std::string::npos)
      << refused.message();
  EXPECT_NE(std::string(refused.message()).find("norm-ratio-simplified"), std::string::npos);

  ServerPolicies wider = plain();
  wider.acceptance = std::make_unique<NormRatioSimplified>(0.5, 16);
  CoordinatorHarness window(std::move(wider));
  const Status misfit = CoordinatorCheckpoint::restore(saved, window.coordinator());
  ASSERT_FALSE(misfit.is_ok());
  EXPECT_NE(std::string(misfit.message()).find("acceptance"), std::string::npos)
      << misfit.message();
}

TEST(CheckpointFile, RoundTripsSections) {
  const CheckpointSections sections = {{"one", {1, 2, 3}}, {"empty", {}}, {"two", {9}}};
  const std::vector<uint8_t> bytes = encode_checkpoint(sections);
  Result<CheckpointSections> decoded = decode_checkpoint(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().message();
  ASSERT_EQ(decoded->size(), 3u);
  EXPECT_EQ((*decoded)[0].name, "one");
  EXPECT_EQ((*decoded)[0].bytes, std::vector<uint8_t>({1, 2, 3}));
  EXPECT_TRUE((*decoded)[1].bytes.empty());
  EXPECT_EQ((*decoded)[2].bytes, std::vector<uint8_t>({9}));
}

TEST(CheckpointFile, RefusesTruncatedAndCorruptBytes) {
  const std::vector<uint8_t> bytes = encode_checkpoint({{"model", std::vector<uint8_t>(64, 7)}});
  for (size_t keep : {size_t{0}, size_t{10}, kCheckpointHeaderBytes, bytes.size() - 1}) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
    Result<CheckpointSections> decoded = decode_checkpoint(cut);
    ASSERT_FALSE(decoded.is_ok()) << keep;
    EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss) << keep;
    EXPECT_NE(std::string(decoded.status().message()).find("truncated"), std::string::npos);
  }
  for (size_t at = kCheckpointHeaderBytes; at < bytes.size(); at += 7) {
    std::vector<uint8_t> flipped = bytes;
    flipped[at] ^= 0x10;
    Result<CheckpointSections> decoded = decode_checkpoint(flipped);
    ASSERT_FALSE(decoded.is_ok()) << at;
    EXPECT_NE(std::string(decoded.status().message()).find("corrupt"), std::string::npos);
  }
  std::vector<uint8_t> not_ours = bytes;
  not_ours[0] = 'X';
  EXPECT_EQ(decode_checkpoint(not_ours).status().code(), StatusCode::kInvalidArgument);
}

// The directory itself (TempDir hands out paths of files in it).
std::string folder(const TempDir& dir) {
  std::string path = dir.file("");
  path.pop_back();
  return path;
}

std::string read_stream(std::FILE* stream) {
  std::fflush(stream);
  std::rewind(stream);
  std::string text;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), stream) != nullptr) text += buffer;
  return text;
}

TEST(Checkpointer, KeepsTheLastK) {
  TempDir dir("checkpointer");
  CoordinatorHarness run(plain());
  run.hello("a");
  CheckpointSchedule schedule;
  schedule.kept = 3;
  Checkpointer checkpointer(folder(dir), schedule, run.clock(), stderr);
  for (int i = 0; i < 5; ++i) {
    run.contribute("a", gradient(i));
    ASSERT_TRUE(checkpointer.save(run.coordinator()).is_ok());
  }
  const std::vector<std::string> kept = Checkpointer::list(folder(dir));
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_NE(kept[0].find("checkpoint-000003.fgck"), std::string::npos) << kept[0];
  EXPECT_NE(kept[2].find("checkpoint-000005.fgck"), std::string::npos) << kept[2];
  // A new checkpointer in the same directory numbers on after the last.
  Checkpointer again(folder(dir), schedule, run.clock(), stderr);
  ASSERT_TRUE(again.save(run.coordinator()).is_ok());
  EXPECT_NE(again.last_path().find("checkpoint-000006.fgck"), std::string::npos);
}

TEST(Checkpointer, SavesEveryNVersionsOrTSeconds) {
  TempDir dir("checkpointer");
  CoordinatorHarness run(plain());
  run.hello("a");
  CheckpointSchedule schedule;
  schedule.every_versions = 3;
  schedule.every_seconds = 10;
  schedule.kept = 100;
  Checkpointer checkpointer(folder(dir), schedule, run.clock(), stderr);
  for (int i = 0; i < 7; ++i) {
    run.contribute("a", gradient(i));
    checkpointer.maybe_save(run.coordinator());
  }
  EXPECT_EQ(Checkpointer::list(folder(dir)).size(), 2u);  // at versions 3 and 6
  run.clock().advance_us(11000000);
  checkpointer.maybe_save(run.coordinator());  // time is up and version 7 is new
  EXPECT_EQ(Checkpointer::list(folder(dir)).size(), 3u);
  run.clock().advance_us(11000000);
  checkpointer.maybe_save(run.coordinator());  // nothing new to save
  EXPECT_EQ(Checkpointer::list(folder(dir)).size(), 3u);
}

void damage(const std::string& path, bool truncate) {
  std::vector<char> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (truncate) {
    bytes.resize(bytes.size() / 2);
  } else {
    bytes[bytes.size() - 5] ^= 0x5a;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<long>(bytes.size()));
}

class BadNewestCheckpoint : public ::testing::TestWithParam<bool> {};

TEST_P(BadNewestCheckpoint, ThePreviousOneIsUsedAndTheBadFileNamed) {
  const bool truncate = GetParam();
  TempDir dir("checkpointer");
  CoordinatorHarness run(plain());
  run.hello("a");
  Checkpointer checkpointer(folder(dir), CheckpointSchedule{}, run.clock(), stderr);
  for (int i = 0; i < 3; ++i) {
    run.contribute("a", gradient(i));
    ASSERT_TRUE(checkpointer.save(run.coordinator()).is_ok());
  }
  const std::vector<std::string> paths = Checkpointer::list(folder(dir));
  ASSERT_EQ(paths.size(), 3u);
  damage(paths[2], truncate);

  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  // A coordinator built like the harness's, not started.
  ManualClock clock;
  RecordingOutbox outbox;
  CoordinatorSettings settings;
  settings.model.kind = ModelKind::kSoftmax;
  settings.model.num_features = CoordinatorHarness::kFeatures;
  settings.model.num_classes = CoordinatorHarness::kClasses;
  Coordinator resumed(settings, GlobalModel(std::vector<float>(CoordinatorHarness::kDim)), plain(),
                      nullptr, clock, outbox);
  Checkpointer reader(folder(dir), CheckpointSchedule{}, clock, out);
  Result<bool> outcome = reader.resume(resumed);
  const std::string text = read_stream(out);
  std::fclose(out);
  ASSERT_TRUE(outcome.is_ok()) << outcome.status().message();
  EXPECT_TRUE(*outcome);
  EXPECT_EQ(resumed.model().version(), 2u);
  EXPECT_EQ(reader.last_path(), paths[1]);
  EXPECT_NE(text.find("checkpoint " + paths[2] + " is unusable"), std::string::npos) << text;
  EXPECT_NE(text.find(truncate ? "truncated" : "corrupt"), std::string::npos) << text;
  EXPECT_NE(text.find("resumed from checkpoint " + paths[1] + " at version 2"), std::string::npos)
      << text;
}

INSTANTIATE_TEST_SUITE_P(TruncatedOrCorrupt, BadNewestCheckpoint, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return std::string(param.param ? "truncated" : "corrupt");
                         });

TEST(Checkpointer, NoCheckpointMeansAFreshStart) {
  TempDir dir("checkpointer");
  CoordinatorHarness run(plain());
  Checkpointer checkpointer(folder(dir), CheckpointSchedule{}, run.clock(), stderr);
  Result<bool> outcome = checkpointer.resume(run.coordinator());
  ASSERT_TRUE(outcome.is_ok());
  EXPECT_FALSE(*outcome);
}

TEST(ModelSaverOnResume, AWorseEvaluationDoesNotReplaceTheBestModelOnDisk) {
  TempDir dir("checkpointer");
  CoordinatorHarness run(plain());
  ModelSpec spec;
  spec.kind = ModelKind::kSoftmax;
  spec.num_features = CoordinatorHarness::kFeatures;
  spec.num_classes = CoordinatorHarness::kClasses;
  const std::string best = dir.file("model-best.safetensors");
  const Metrics& metrics = run.coordinator().metrics();
  const ClientRegistry& clients = run.coordinator().clients();
  const auto best_accuracy = [&] {
    Result<SavedModel> saved = read_model_file(best);
    return saved.is_ok() ? saved->metadata["accuracy"] : std::string("unreadable");
  };
  ModelSaver before(spec, "", best, nullptr);
  before.attach(run.coordinator());
  before.on_eval(EvalPoint{10, 1.0, 0.9, 0.3}, metrics, clients);
  ASSERT_EQ(best_accuracy(), "0.9");

  ModelSaver after(spec, "", best, nullptr);  // the restarted run's
  after.attach(run.coordinator());
  after.keep_best_on_disk();
  after.on_eval(EvalPoint{8, 0.0, 0.5, 0.9}, metrics, clients);
  EXPECT_EQ(best_accuracy(), "0.9");
  after.on_eval(EvalPoint{20, 2.0, 0.95, 0.2}, metrics, clients);
  EXPECT_EQ(best_accuracy(), "0.95");
}

TEST(CheckpointConfig, KeysAreReadCheckedAndRendered) {
  Result<CoordinatorConfig> defaults = load_coordinator_config("", {});
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_EQ(defaults->checkpoint_every_versions, 1000u);
  EXPECT_EQ(defaults->checkpoint_every_seconds, 60);
  EXPECT_EQ(defaults->checkpoints_kept, 3u);
  Result<CoordinatorConfig> set =
      load_coordinator_config("", {"run.checkpoint_every_versions=40",
                                   "run.checkpoint_every_seconds=0.25", "run.checkpoints_kept=5"});
  ASSERT_TRUE(set.is_ok()) << set.status().message();
  EXPECT_EQ(set->checkpoint_every_versions, 40u);
  EXPECT_EQ(set->checkpoint_every_seconds, 0.25);
  EXPECT_EQ(set->checkpoints_kept, 5u);
  const std::string rendered = render_coordinator_config(*set);
  EXPECT_NE(rendered.find("checkpoint_every_seconds = 0.25"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("checkpoints_kept = 5"), std::string::npos) << rendered;
  Result<CoordinatorConfig> none_kept = load_coordinator_config("", {"run.checkpoints_kept=0"});
  ASSERT_FALSE(none_kept.is_ok());
  EXPECT_NE(std::string(none_kept.status().message()).find("run.checkpoints_kept"),
            std::string::npos);
}

}  // namespace
}  // namespace fedgate
