#include "coordinator/checkpoint_file.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "coordinator/atomic_file.h"
#include "coordinator/checkpoint_state.h"
#include "core/base/crc32.h"

namespace fedgate {

std::vector<uint8_t> encode_checkpoint(const CheckpointSections& sections) {
  StateWriter body;
  body.u32(static_cast<uint32_t>(sections.size()));
  for (const CheckpointSection& section : sections) {
    body.str(section.name);
    body.u64(section.bytes.size());
    for (const uint8_t byte : section.bytes) body.u8(byte);
  }
  StateWriter header;
  for (const char c : kCheckpointMagic) header.u8(static_cast<uint8_t>(c));
  header.u32(kCheckpointFormatVersion);
  header.u32(crc32(body.bytes().data(), body.bytes().size()));
  header.u64(body.bytes().size());
  std::vector<uint8_t> file = header.bytes();
  file.insert(file.end(), body.bytes().begin(), body.bytes().end());
  return file;
}

Result<CheckpointSections> decode_checkpoint(Span<const uint8_t> bytes) {
  if (bytes.size() < kCheckpointHeaderBytes) {
    return Status::error(StatusCode::kDataLoss, "truncated: %zu bytes, shorter than the header",
                         bytes.size());
  }
  if (std::memcmp(bytes.data(), kCheckpointMagic, sizeof(kCheckpointMagic)) != 0) {
    return Status::error(StatusCode::kInvalidArgument, "not a fedgate checkpoint (magic)");
  }
  StateReader header(bytes.subspan(sizeof(kCheckpointMagic), 16));
  const uint32_t format = header.u32();
  const uint32_t crc = header.u32();
  const uint64_t length = header.u64();
  if (format != kCheckpointFormatVersion) {
    return Status::error(StatusCode::kInvalidArgument,
                         "checkpoint format version %u, this build reads %u", format,
                         kCheckpointFormatVersion);
  }
  const size_t available = bytes.size() - kCheckpointHeaderBytes;
  if (length != available) {
    return Status::error(StatusCode::kDataLoss,
                         "truncated: the body is %zu bytes, the header says %llu", available,
                         static_cast<unsigned long long>(length));
  }
  const Span<const uint8_t> body = bytes.subspan(kCheckpointHeaderBytes, available);
  const uint32_t actual = crc32(body.data(), body.size());
  if (actual != crc) {
    return Status::error(StatusCode::kDataLoss, "corrupt: CRC-32 %08x, the header says %08x",
                         actual, crc);
  }
  StateReader reader(body);
  CheckpointSections sections;
  const uint32_t count = reader.count(12);
  for (uint32_t i = 0; i < count && !reader.failed(); ++i) {
    CheckpointSection section;
    section.name = reader.str();
    const uint64_t size = reader.u64();
    if (size > reader.remaining()) {
      reader.fail("section %s of %llu bytes with %zu left", section.name.c_str(),
                  static_cast<unsigned long long>(size), reader.remaining());
      break;
    }
    section.bytes.resize(size);
    for (uint8_t& byte : section.bytes) byte = reader.u8();
    sections.push_back(std::move(section));
  }
  Status status = reader.finish("checkpoint body");
  if (!status.is_ok()) return Status::error(StatusCode::kDataLoss, "%s", status.message());
  return sections;
}

Status write_checkpoint_file(const std::string& path, const CheckpointSections& sections) {
  const std::vector<uint8_t> bytes = encode_checkpoint(sections);
  return write_file_atomically(path, Span<const uint8_t>(bytes.data(), bytes.size()));
}

Result<CheckpointSections> read_checkpoint_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(StatusCode::kNotFound, "cannot be read");
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  return decode_checkpoint(bytes);
}

const CheckpointSection* find_section(const CheckpointSections& sections, const std::string& name) {
  for (const CheckpointSection& section : sections) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

}  // namespace fedgate
