// Raw frames of the fedgate exchange's sizes, with a 20-byte header the raw
// echo server reads: the transport's ceiling, with no codec and no
// coordinator logic on either side.
#pragma once

#include <cstring>
#include <vector>

#include "bench/loadgen/fleet_dialect.h"

namespace fedgate::loadgen {

// The header at the start of every raw frame (frames are at least this long).
struct RawHeader {
  char tag;  // client: 'H'ello, 'O'ffer, 'U'pdate; server: 'C'onfig, 'M'odel chunk, 'D'ecision
  uint8_t accept;
  uint8_t pad[2];
  uint32_t version;
  uint32_t offset;
  uint32_t count;
  uint32_t total;
};

// Writes `header` into a frame of `size` bytes (at least the header) held in `frame`.
inline Span<const uint8_t> raw_frame(std::vector<uint8_t>& frame, size_t size,
                                     const RawHeader& header) {
  frame.assign(std::max(size, sizeof(RawHeader)), 0);
  std::memcpy(frame.data(), &header, sizeof(header));
  return Span<const uint8_t>(frame.data(), frame.size());
}

class RawDialect : public FleetDialect {
 public:
  explicit RawDialect(const ExchangeSizes& sizes) : sizes_(sizes) {}

  Span<const uint8_t> hello(uint32_t, uint32_t) override {
    return raw_frame(frame_, sizes_.hello, RawHeader{'H', 0, {}, 0, 0, 0, 0});
  }
  Span<const uint8_t> offer(uint32_t, uint32_t version) override {
    return raw_frame(frame_, sizes_.offer, RawHeader{'O', 0, {}, version, 0, 0, 0});
  }
  Span<const uint8_t> update(uint32_t, uint32_t version) override {
    return raw_frame(frame_, sizes_.update, RawHeader{'U', 0, {}, version, 0, 0, 0});
  }
  Reply read(Span<const uint8_t> bytes) override {
    Reply reply;
    if (bytes.size() < sizeof(RawHeader)) return reply;
    RawHeader header;
    std::memcpy(&header, bytes.data(), sizeof(header));
    reply.version = header.version;
    reply.offset = header.offset;
    reply.count = header.count;
    reply.total = header.total;
    reply.accept = header.accept != 0;
    if (header.tag == 'C') reply.kind = Reply::Kind::Config;
    if (header.tag == 'M') reply.kind = Reply::Kind::Chunk;
    if (header.tag == 'D') reply.kind = Reply::Kind::Decision;
    return reply;
  }

 private:
  ExchangeSizes sizes_;
  std::vector<uint8_t> frame_;
};

}  // namespace fedgate::loadgen
