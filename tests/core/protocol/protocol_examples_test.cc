// The byte-exact examples and the size table of docs/protocol.md (section 4.4),
// generated from the real codec so the doc cannot drift from it. The text is
// written to the build tree (protocol_examples.md) and compared with the block
// between the doc's markers; on a mismatch the test prints the text to paste.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/protocol/codec.h"

namespace fedgate {
namespace {

std::string hex_dump(Span<const uint8_t> bytes) {
  std::string out;
  char line[32];
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 16 == 0) {
      std::snprintf(line, sizeof(line), "%s%04zx ", i == 0 ? "" : "\n", i);
      out += line;
    }
    std::snprintf(line, sizeof(line), " %02x", bytes[i]);
    out += line;
  }
  return out + "\n";
}

class Examples {
 public:
  // One example: a heading line, the bytes, and a row of the size table.
  void add(const char* title, const char* fields, const Result<Span<const uint8_t>>& bytes) {
    ASSERT_TRUE(bytes.is_ok()) << title << ": " << bytes.status().message();
    examples_ += "`" + std::string(title) + "` (" + std::to_string(bytes->size()) +
                 " bytes): " + fields + "\n\n```\n" + hex_dump(*bytes) + "```\n\n";
  }
  void size_row(const std::string& message, const std::string& size) {
    sizes_ += "| " + message + " | " + size + " |\n";
  }
  std::string text() const {
    return "| message as `MessageWriter` builds it | bytes |\n| --- | --- |\n" + sizes_ + "\n" +
           examples_;
  }

 private:
  std::string examples_;
  std::string sizes_;
};

size_t size_of(const Result<Span<const uint8_t>>& bytes) {
  return bytes.is_ok() ? bytes->size() : 0;
}

std::string generated_examples() {
  std::vector<uint8_t> arena(64 * 1024);
  MessageWriter writer(Span<uint8_t>(arena.data(), arena.size()));
  Examples out;

  HelloInfo hello;
  hello.device_class = wire::DeviceClass::Linux;
  hello.num_features = 784;
  hello.num_classes = 10;
  hello.max_message_bytes = 31912;
  hello.max_model_dim = 7850;
  hello.name = "pi-1";
  out.add(
      "Hello",
      "seq 1, device_class Linux, num_features 784, num_classes 10, "
      "max_message_bytes 31912, max_model_dim 7850, codecs [Dense, TopK, RandK], name \"pi-1\", "
      "model_encodings [Fp16, Int8Delta, Int4Delta]",
      writer.hello(1, hello));
  out.size_row("`Hello` with a name of `L` bytes (all limits set)",
               std::to_string(size_of(writer.hello(1, hello)) - 4) + " + L, rounded up to 4");

  const ConfigInfo::Param params[] = {{"acceptance.lambda", 1.0}};
  ConfigInfo config;
  config.model_kind = wire::ModelKind::Softmax;
  config.model_dim = 7850;
  config.num_features = 784;
  config.num_classes = 10;
  config.batch_size = 32;
  config.chunk_floats = 1024;
  config.heartbeat_ms = 1000;
  config.acceptance = "norm-ratio-simplified";
  config.stepsize = "constant";
  config.params = Span<const ConfigInfo::Param>(params, 1);
  out.add("Config",
          "seq 2, Softmax, model_dim 7850, 784 features, 10 classes, batch_size 32, "
          "chunk_floats 1024, heartbeat_ms 1000, codec Dense, acceptance "
          "\"norm-ratio-simplified\", stepsize \"constant\", params [acceptance.lambda = 1], "
          "trigger and compression absent (offer-first, dense)",
          writer.config(2, config));
  out.size_row("`Config` above (two policy names, one param)",
               std::to_string(size_of(writer.config(2, config))));

  const float weights[] = {1.0f, -2.5f, 3.25f, 0.0f};
  out.add("ModelChunk",
          "seq 3, version 7, offset 4, total 8, weights [1, -2.5, 3.25, 0] "
          "(crc32 0xec26cc8b, section 4.3)",
          writer.model_chunk(3, 7, 4, 8, Span<const float>(weights, 4)));
  const size_t chunk = size_of(writer.model_chunk(3, 7, 4, 8, Span<const float>(weights, 4)));
  const size_t first_chunk = size_of(writer.model_chunk(3, 7, 0, 8, Span<const float>(weights, 4)));
  out.size_row("`ModelChunk` with `n` floats, offset > 0", std::to_string(chunk - 16) + " + 4n");
  out.size_row("`ModelChunk` with `n` floats at offset 0 (the field is omitted)",
               std::to_string(first_chunk - 16) + " + 4n");
  RoundBudget budget;
  budget.batches = 3;
  budget.sends = 2;
  writer.set_round_budget(budget);
  out.add("ModelChunk",
          "the same chunk ending a model of a Shadowheart round with a budget: batches 3, "
          "sends 2",
          writer.model_chunk(3, 7, 4, 8, Span<const float>(weights, 4)));
  const size_t budget_chunk =
      size_of(writer.model_chunk(3, 7, 4, 8, Span<const float>(weights, 4)));
  writer.set_round_budget(RoundBudget());
  out.size_row("`ModelChunk` ending a model, with a round budget",
               std::to_string(budget_chunk - 16) + " + 4n");

  out.add("ModelRequest", "seq 4, have_version 7", writer.model_request(4, 7));
  out.size_row("`ModelRequest`, `Skip`, `Heartbeat` (version > 0)",
               std::to_string(size_of(writer.model_request(4, 7))));

  OfferInfo offer;
  offer.version = 7;
  offer.grad_norm = 12.75f;
  offer.loss = 0.5f;
  out.add("Offer", "seq 5, version 7, grad_norm 12.75, loss 0.5", writer.offer(5, offer));
  out.size_row("`Offer`", std::to_string(size_of(writer.offer(5, offer))));

  out.add("Decision", "seq 6, offer_version 7, current_version 9, accept true",
          writer.decision(6, 7, 9, true));
  out.size_row("`Decision`, accept", std::to_string(size_of(writer.decision(6, 7, 9, true))));
  out.size_row("`Decision`, reject (accept omitted)",
               std::to_string(size_of(writer.decision(6, 7, 9, false))));

  UpdateInfo update;
  update.version = 7;
  update.grad_norm = 4.5f;
  update.values = Span<const float>(weights, 4);
  update.samples = 32;
  update.compute_us = 1500;
  update.steps = 1;
  out.add("Update",
          "dense: seq 7, version 7, Gradient, Dense, grad_norm 4.5, dim 4, "
          "values [1, -2.5, 3.25, 0], samples 32, compute_us 1500, steps 1",
          writer.update(7, update));
  out.size_row("`Update`, dense, `d` floats (as above)",
               std::to_string(size_of(writer.update(7, update)) - 16) + " + 4d");

  const float kept[] = {-2.5f, 3.25f};
  const uint32_t indices[] = {1, 2};
  UpdateInfo topk = update;
  topk.vector.codec = wire::Codec::TopK;
  topk.vector.dim = 4;
  topk.vector.values = Span<const float>(kept, 2);
  topk.vector.indices = Span<const uint32_t>(indices, 2);
  out.add("Update", "TopK: as above with codec TopK, dim 4, values [-2.5, 3.25], indices [1, 2]",
          writer.update(7, topk));
  UpdateInfo randk = update;
  randk.vector.codec = wire::Codec::RandK;
  randk.vector.dim = 4;
  randk.vector.values = Span<const float>(kept, 2);
  randk.vector.seed = 99;
  randk.vector.scale = 2.0f;
  out.add("Update",
          "RandK: as above with codec RandK, dim 4, values [-2.5, 3.25], seed 99, "
          "scale 2",
          writer.update(7, randk));

  out.add("Skip", "seq 8, version 7", writer.skip(8, 7));
  out.add("Heartbeat", "seq 9, version 7", writer.heartbeat(9, 7));
  out.add("Bye", "seq 10, Finished, \"reached max_versions\"",
          writer.bye(10, wire::ByeReason::Finished, "reached max_versions"));
  out.size_row(
      "`Bye` with a 20-byte message",
      std::to_string(size_of(writer.bye(10, wire::ByeReason::Finished, "reached max_versions"))));
  out.add("Error", "seq 11, NormMismatch, ref_seq 7, \"norm differs\"",
          writer.error(11, wire::ErrorCode::NormMismatch, 7, "norm differs"));
  out.size_row("`Error` with a text of `L` bytes",
               std::to_string(size_of(writer.error(11, wire::ErrorCode::NormMismatch, 7, "")) - 4) +
                   " + L, rounded up to 4");
  return out.text();
}

TEST(ProtocolExamples, DocHoldsTheCodecsBytes) {
  const std::string expected = generated_examples();
  std::ofstream(std::string(FEDGATE_BINARY_DIR) + "/protocol_examples.md") << expected;
  std::ifstream file(std::string(FEDGATE_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(file) << "cannot read docs/protocol.md";
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string doc = buffer.str();
  const std::string begin =
      "<!-- wire examples: generated by tests/core/protocol/protocol_examples_test.cc -->\n";
  const std::string end = "<!-- end of wire examples -->";
  const size_t from = doc.find(begin);
  const size_t to = doc.find(end);
  ASSERT_NE(from, std::string::npos) << "docs/protocol.md lacks the marker " << begin;
  ASSERT_NE(to, std::string::npos) << "docs/protocol.md lacks the marker " << end;
  EXPECT_EQ(doc.substr(from + begin.size(), to - from - begin.size()), expected)
      << "docs/protocol.md should hold, between the markers:\n"
      << expected;
}

}  // namespace
}  // namespace fedgate
