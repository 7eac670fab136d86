#include "firmware/linux/client_summary.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace fedgate {
namespace {

class NoSource final : public GradientSource {
 public:
  uint32_t num_features() const override { return 1; }
  uint32_t num_classes() const override { return 2; }
  Status configure(const TrainingSetup&) override { return Status::ok(); }
  Result<GradientStats> compute(Span<const float>, Span<float>) override { return GradientStats(); }
};

class NullOutbox final : public Outbox {
 public:
  Status send(Span<const uint8_t>) override { return Status::ok(); }
};

std::string summary_for(const std::string& name) {
  std::vector<float> model(4), gradient(4);
  std::vector<uint8_t> arena(4 * 4 + kMessageOverhead);
  NoSource source;
  NullOutbox outbox;
  ClientIdentity identity;
  identity.name = name.c_str();
  ClientSession session(identity, Span<float>(model.data(), model.size()),
                        Span<float>(gradient.data(), gradient.size()),
                        Span<uint8_t>(arena.data(), arena.size()), source, outbox);
  (void)session.start();
  return client_summary_json(name, session, 3);
}

TEST(ClientSummary, IsOneJsonObjectWithTheCounters) {
  const std::string line = summary_for("client-0");
  EXPECT_EQ(line.rfind("{\"event\":\"client_summary\",\"name\":\"client-0\",\"exit_code\":3,", 0),
            0u)
      << line;
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["state"], "registering");
  EXPECT_EQ(j["registrations"], 1);
  EXPECT_EQ(j["messages_sent"], 1);
  EXPECT_TRUE(j.contains("discarded"));
}

TEST(ClientSummary, IsValidJsonForANameWithQuotesBackslashesAndControls) {
  const std::string name = "pi \"kitchen\" \\ 1\n\t";
  const std::string line = summary_for(name);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // still one line
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["name"], name);
  EXPECT_EQ(j["exit_code"], 3);
}

TEST(ClientSummary, NameThatIsNotUtf8StillGivesValidJson) {
  const std::string line = summary_for(std::string("bad\xff", 4));
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
}

}  // namespace
}  // namespace fedgate
