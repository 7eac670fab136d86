// ModelDownlink: how the coordinator sends a model to one client, in the
// encoding `downlink.codec` names (core/compression/model_codec.h,
// docs/protocol.md "Model downlink encodings").
//
// For the delta encodings it keeps, per client, a copy of exactly what that
// client holds (its reference: 4 * dim bytes) and codes the next model as the
// difference to it. The first model after a Hello or a ModelRequest, and any
// model to a client that did not announce the encoding, goes dense; so does a
// chunk whose delta is not finite.
//
// A checkpoint keeps which encodings each client announced, not the references:
// after a resume each client's next model goes dense and becomes its reference
// (docs/run-directory.md, "What a checkpoint holds").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "coordinator/global_model.h"
#include "core/base/status.h"
#include "core/protocol/codec.h"

namespace fedgate {

class StateReader;
class StateWriter;

// "dense", "fp16", "int8-delta", "int4-delta".
Result<wire::ModelEncoding> parse_downlink_codec(const std::string& name);
const char* downlink_codec_name(wire::ModelEncoding encoding);

class ModelDownlink {
 public:
  using Emit = std::function<void(const Result<Span<const uint8_t>>& message)>;

  explicit ModelDownlink(wire::ModelEncoding encoding) : encoding_(encoding) {}

  wire::ModelEncoding encoding() const { return encoding_; }
  // A (re-)registration: what the client can apply; it holds nothing we know of.
  void on_hello(const std::string& id, const wire::Hello& hello);
  // The client's copy is gone (it asked for the model, or left): the next model goes dense.
  void forget(const std::string& id);
  // Builds `model` as chunks of at most chunk_floats values and hands each
  // message to `emit`.
  void send(const std::string& id, uint32_t chunk_floats, const GlobalModel& model,
            MessageWriter& writer, uint32_t* seq, const Emit& emit);
  // The coordinator's copy of what `id` holds (empty when it holds nothing known).
  Span<const float> reference(const std::string& id) const;
  // Bytes of the per-client references (coordinator memory the codec costs).
  size_t reference_bytes() const;

  // Checkpoints: each client's announced encodings. A restored client holds
  // nothing we know of, so its next model goes dense.
  void save_state(StateWriter& out) const;
  void restore_state(StateReader& in);

 private:
  struct ClientCopy {
    uint8_t announced = 0;  // bit e: the client applies ModelEncoding e (Hello.model_encodings)
    bool applies = false;   // the client announced encoding_, and it is not Dense
    bool holds = false;     // `held` is exactly the client's model of `version`
    uint32_t version = 0;
    std::vector<float> held;
  };

  // A (re-)registration or a restored client: what it applies; it holds nothing we know of.
  void set_announced(ClientCopy& copy, uint8_t announced) const;

  wire::ModelEncoding encoding_;
  std::unordered_map<std::string, ClientCopy> clients_;
  std::vector<float> decoded_;  // scratch for a chunk's decoded values (fp16)
  std::vector<uint8_t> packed_;
};

}  // namespace fedgate
