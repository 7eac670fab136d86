#include "coordinator/model_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "coordinator/atomic_file.h"
#include "core/models/model_factory.h"

namespace fedgate {
namespace {

using nlohmann::json;

constexpr size_t kLengthBytes = 8;

TensorLayout layer(std::string name, std::vector<uint32_t> shape, size_t* offset) {
  TensorLayout tensor{std::move(name), std::move(shape), *offset, 1};
  for (uint32_t extent : tensor.shape) tensor.count *= extent;
  *offset += tensor.count;
  return tensor;
}

std::string shape_text(const std::vector<uint32_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  return text + "]";
}

// safetensors metadata values must be strings.
json metadata_json(const ModelSpec& spec, const ModelFileInfo& info) {
  return {{"format", "fedgate"},
          {"model_kind", model_kind_name(spec.kind)},
          {"num_features", std::to_string(spec.num_features)},
          {"num_classes", std::to_string(spec.num_classes)},
          {"hidden_units", std::to_string(spec.hidden_units)},
          {"version", std::to_string(info.version)},
          {"accuracy", json(info.accuracy).dump()},  // shortest text that reads back exactly
          {"loss", json(info.loss).dump()}};
}

Status bad_file(const char* what) {
  return Status::error(StatusCode::kDataLoss, "not a safetensors model file: %s", what);
}

Result<SavedTensor> decode_tensor(const std::string& name, const json& entry,
                                  Span<const uint8_t> data) {
  if (!entry.is_object() || entry.value("dtype", json()) != "F32") {
    return Status::error(StatusCode::kInvalidArgument, "tensor %s is not F32", name.c_str());
  }
  const json shape = entry.value("shape", json());
  const json offsets = entry.value("data_offsets", json());
  if (!shape.is_array() || !offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
    return Status::error(StatusCode::kDataLoss, "tensor %s: bad shape or data_offsets",
                         name.c_str());
  }
  SavedTensor tensor;
  uint64_t count = 1;
  for (const json& extent : shape) {
    if (!extent.is_number_unsigned() || extent.get<uint64_t>() > UINT32_MAX) {
      return Status::error(StatusCode::kDataLoss, "tensor %s: bad shape", name.c_str());
    }
    tensor.shape.push_back(extent.get<uint32_t>());
    count *= tensor.shape.back();
    if (count > data.size()) break;
  }
  const uint64_t begin = offsets[0].get<uint64_t>();
  const uint64_t end = offsets[1].get<uint64_t>();
  if (begin > end || end > data.size() || end - begin != count * sizeof(float)) {
    return Status::error(StatusCode::kDataLoss, "tensor %s: data_offsets do not fit its shape",
                         name.c_str());
  }
  tensor.values.resize(count);
  if (count > 0) std::memcpy(tensor.values.data(), data.data() + begin, end - begin);
  return tensor;
}

}  // namespace

std::vector<TensorLayout> model_tensors(const ModelSpec& spec) {
  const uint32_t features = spec.num_features;
  const uint32_t classes = spec.num_classes;
  size_t offset = 0;
  switch (spec.kind) {
    case ModelKind::kSoftmax:
      return {layer("W", {classes, features}, &offset), layer("b", {classes}, &offset)};
    case ModelKind::kMlp: {
      const uint32_t hidden = spec.hidden_units;
      return {layer("W1", {hidden, features}, &offset), layer("b1", {hidden}, &offset),
              layer("W2", {classes, hidden}, &offset), layer("b2", {classes}, &offset)};
    }
    case ModelKind::kBinaryLogistic:
    case ModelKind::kLeastSquares:
      // model.bias = false (least squares only): the intercept is not there.
      if (!spec.bias) return {layer("W", {1, features}, &offset)};
      return {layer("W", {1, features}, &offset), layer("b", {1}, &offset)};
  }
  return {};
}

std::vector<uint8_t> encode_model_file(const ModelSpec& spec, Span<const float> params,
                                       const ModelFileInfo& info) {
  json header = json::object();
  for (const TensorLayout& tensor : model_tensors(spec)) {
    header[tensor.name] = {
        {"dtype", "F32"},
        {"shape", tensor.shape},
        {"data_offsets",
         {tensor.offset * sizeof(float), (tensor.offset + tensor.count) * sizeof(float)}}};
  }
  header["__metadata__"] = metadata_json(spec, info);
  std::string text = header.dump();
  // Pad with spaces so the data block starts 8-byte aligned, as the format allows.
  text.append((kLengthBytes - text.size() % kLengthBytes) % kLengthBytes, ' ');
  std::vector<uint8_t> bytes(kLengthBytes + text.size() + params.size() * sizeof(float));
  const uint64_t length = text.size();
  for (size_t i = 0; i < kLengthBytes; ++i) bytes[i] = static_cast<uint8_t>(length >> (8 * i));
  std::memcpy(bytes.data() + kLengthBytes, text.data(), text.size());
  if (!params.empty()) {
    std::memcpy(bytes.data() + kLengthBytes + text.size(), params.data(),
                params.size() * sizeof(float));
  }
  return bytes;
}

Status write_model_file(const std::string& path, const ModelSpec& spec, Span<const float> params,
                        const ModelFileInfo& info) {
  const std::vector<uint8_t> bytes = encode_model_file(spec, params, info);
  return write_file_atomically(path, bytes);
}

Result<SavedModel> decode_model_file(Span<const uint8_t> bytes) {
  if (bytes.size() < kLengthBytes) return bad_file("shorter than 8 bytes");
  uint64_t length = 0;
  for (size_t i = 0; i < kLengthBytes; ++i) length |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  if (length > bytes.size() - kLengthBytes) return bad_file("header longer than the file");
  const char* text = reinterpret_cast<const char*>(bytes.data() + kLengthBytes);
  const json header = json::parse(text, text + length, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return bad_file("the header is not a JSON object");
  const Span<const uint8_t> data =
      bytes.subspan(kLengthBytes + length, bytes.size() - kLengthBytes - length);
  SavedModel saved;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return bad_file("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (value.is_string()) saved.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    FG_ASSIGN_OR_RETURN(saved.tensors[name], decode_tensor(name, entry, data));
  }
  return saved;
}

Result<SavedModel> read_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::error(StatusCode::kNotFound, "cannot read %s: %s", path.c_str(),
                         std::strerror(errno));
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  return decode_model_file(bytes);
}

Result<std::vector<float>> model_params(const SavedModel& saved, const ModelSpec& spec) {
  const char* kind = model_kind_name(spec.kind);
  auto saved_kind = saved.metadata.find("model_kind");
  if (saved_kind != saved.metadata.end() && saved_kind->second != kind) {
    return Status::error(StatusCode::kInvalidArgument,
                         "the file holds a %s model, this run's is %s", saved_kind->second.c_str(),
                         kind);
  }
  std::vector<float> params;
  for (const TensorLayout& tensor : model_tensors(spec)) {
    auto found = saved.tensors.find(tensor.name);
    if (found == saved.tensors.end()) {
      return Status::error(StatusCode::kInvalidArgument, "no tensor %s (this run's %s needs %s)",
                           tensor.name.c_str(), kind, shape_text(tensor.shape).c_str());
    }
    if (found->second.shape != tensor.shape) {
      return Status::error(StatusCode::kInvalidArgument, "%s has shape %s, this run's %s needs %s",
                           tensor.name.c_str(), shape_text(found->second.shape).c_str(), kind,
                           shape_text(tensor.shape).c_str());
    }
    params.insert(params.end(), found->second.values.begin(), found->second.values.end());
  }
  return params;
}

}  // namespace fedgate
