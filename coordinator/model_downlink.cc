#include "coordinator/model_downlink.h"

#include <algorithm>

#include "coordinator/checkpoint_state.h"
#include "core/compression/model_codec.h"

namespace fedgate {
namespace {

struct CodecName {
  wire::ModelEncoding encoding;
  const char* name;
};

constexpr CodecName kCodecNames[] = {
    {wire::ModelEncoding::Dense, "dense"},
    {wire::ModelEncoding::Fp16, "fp16"},
    {wire::ModelEncoding::Int8Delta, "int8-delta"},
    {wire::ModelEncoding::Int4Delta, "int4-delta"},
};

}  // namespace

Result<wire::ModelEncoding> parse_downlink_codec(const std::string& name) {
  for (const CodecName& codec : kCodecNames) {
    if (name == codec.name) return codec.encoding;
  }
  return Status::error(StatusCode::kInvalidArgument,
                       "downlink.codec '%s' is not one of dense, fp16, int8-delta, int4-delta",
                       name.c_str());
}

const char* downlink_codec_name(wire::ModelEncoding encoding) {
  for (const CodecName& codec : kCodecNames) {
    if (encoding == codec.encoding) return codec.name;
  }
  return "unknown";
}

void ModelDownlink::on_hello(const std::string& id, const wire::Hello& hello) {
  uint8_t announced = 0;
  if (hello.model_encodings() != nullptr) {
    for (const auto encoding : *hello.model_encodings()) {
      const auto bit = static_cast<unsigned>(encoding);
      if (bit < 8) announced = static_cast<uint8_t>(announced | (1u << bit));
    }
  }
  // Kept under a dense run too: a checkpoint carries it to a resumed run that may code deltas.
  set_announced(clients_[id], announced);
}

void ModelDownlink::set_announced(ClientCopy& copy, uint8_t announced) const {
  copy.announced = announced;
  copy.applies = encoding_ != wire::ModelEncoding::Dense &&
                 (announced & (1u << static_cast<unsigned>(encoding_))) != 0;
  copy.holds = false;
}

void ModelDownlink::save_state(StateWriter& out) const {
  // In id order: the same state writes the same bytes (the round-trip test compares them).
  std::vector<const std::string*> ids;
  ids.reserve(clients_.size());
  for (const auto& entry : clients_) ids.push_back(&entry.first);
  std::sort(ids.begin(), ids.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  out.u32(static_cast<uint32_t>(ids.size()));
  for (const std::string* id : ids) {
    out.str(*id);
    out.u8(clients_.at(*id).announced);
  }
}

void ModelDownlink::restore_state(StateReader& in) {
  clients_.clear();
  const uint32_t count = in.count(4 + 1);  // an empty id and its byte
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string id = in.str();
    set_announced(clients_[id], in.u8());
  }
}

void ModelDownlink::forget(const std::string& id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return;
  it->second.holds = false;
  // Its reference is 4 * dim bytes: give it back rather than keep it for a client that left.
  std::vector<float>().swap(it->second.held);
}

Span<const float> ModelDownlink::reference(const std::string& id) const {
  auto it = clients_.find(id);
  if (it == clients_.end() || !it->second.holds) return Span<const float>();
  return Span<const float>(it->second.held);
}

size_t ModelDownlink::reference_bytes() const {
  size_t bytes = 0;
  for (const auto& [id, copy] : clients_) bytes += copy.held.capacity() * sizeof(float);
  return bytes;
}

void ModelDownlink::send(const std::string& id, uint32_t chunk_floats, const GlobalModel& model,
                         MessageWriter& writer, uint32_t* seq, const Emit& emit) {
  const Span<const float> params = model.params();
  const uint32_t total = static_cast<uint32_t>(params.size());
  auto found = clients_.find(id);
  ClientCopy* copy = found != clients_.end() && found->second.applies ? &found->second : nullptr;
  wire::ModelEncoding encoding = copy != nullptr ? encoding_ : wire::ModelEncoding::Dense;
  if (is_delta_encoding(encoding)) {
    if (!copy->holds) {
      // Nothing to code a difference against: this model goes dense and becomes the reference.
      encoding = wire::ModelEncoding::Dense;
      copy->held.assign(params.begin(), params.end());
      copy->holds = true;
    }
  }
  if (encoding == wire::ModelEncoding::Dense) {
    for (uint32_t offset = 0; offset < total; offset += chunk_floats) {
      const uint32_t count = std::min(chunk_floats, total - offset);
      emit(writer.model_chunk(++*seq, model.version(), offset, total,
                              params.subspan(offset, count)));
    }
    if (copy != nullptr) copy->version = model.version();
    return;
  }
  const uint32_t base_version = copy->version;
  if (decoded_.size() < chunk_floats) decoded_.resize(chunk_floats);
  packed_.resize(model_encoding_bytes(encoding, chunk_floats));
  for (uint32_t offset = 0; offset < total; offset += chunk_floats) {
    const uint32_t count = std::min(chunk_floats, total - offset);
    const Span<const float> target = params.subspan(offset, count);
    // Delta encodings update the client's reference in place; fp16 needs no reference.
    const Span<float> held = is_delta_encoding(encoding)
                                 ? Span<float>(copy->held).subspan(offset, count)
                                 : Span<float>(decoded_).subspan(0, count);
    const float scale = encode_model_chunk(encoding, target, held, packed_);
    if (scale == 0) {
      // A delta too large for a float: this chunk goes dense, exactly.
      std::copy(target.begin(), target.end(), held.begin());
      emit(writer.model_chunk(++*seq, model.version(), offset, total, target));
      continue;
    }
    EncodedChunkInfo info;
    info.version = model.version();
    info.offset = offset;
    info.total = total;
    info.crc32 = chunk_crc(Span<const float>(held.data(), held.size()));
    info.encoding = encoding;
    info.base_version = base_version;
    info.scale = scale;
    info.count = count;
    info.packed = Span<const uint8_t>(packed_.data(), model_encoding_bytes(encoding, count));
    emit(writer.encoded_model_chunk(++*seq, info));
  }
  copy->version = model.version();
}

}  // namespace fedgate
