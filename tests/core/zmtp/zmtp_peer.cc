#include "tests/core/zmtp/zmtp_peer.h"

#include <cstring>

namespace fedgate::zmtp::testing {

Bytes to_bytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes pattern(size_t size, uint8_t seed) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

Bytes peer_greeting(uint8_t minor) {
  Bytes g(64, 0);
  g[0] = 0xFF;
  g[8] = 0x01;  // libzmq writes (routing id size + 1) as a big-endian uint64 into the padding
  g[9] = 0x7F;
  g[10] = 3;
  g[11] = minor;
  std::memcpy(&g[12], "NULL", 4);
  return g;
}

Bytes frame(uint8_t flags, const Bytes& body, bool long_form) {
  Bytes out;
  if (long_form || body.size() > 255) {
    out.push_back(static_cast<uint8_t>(flags | 0x02));
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<uint8_t>(uint64_t{body.size()} >> (8 * i)));
  } else {
    out.push_back(flags);
    out.push_back(static_cast<uint8_t>(body.size()));
  }
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes message(const Bytes& payload, bool more, bool long_form) {
  return frame(more ? 0x01 : 0x00, payload, long_form);
}

Bytes command(const std::string& name, const Bytes& data) {
  Bytes body;
  body.push_back(static_cast<uint8_t>(name.size()));
  body.insert(body.end(), name.begin(), name.end());
  body.insert(body.end(), data.begin(), data.end());
  return frame(0x04, body);
}

Bytes properties(const Properties& props) {
  Bytes out;
  for (const auto& [name, value] : props) {
    out.push_back(static_cast<uint8_t>(name.size()));
    out.insert(out.end(), name.begin(), name.end());
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(value.size() >> (8 * i)));
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

Bytes ready(const std::string& socket_type) {
  return command("READY", properties({{"Socket-Type", to_bytes(socket_type)}, {"Identity", {}}}));
}

Bytes ping(uint16_t ttl, const Bytes& context) {
  Bytes data{static_cast<uint8_t>(ttl >> 8), static_cast<uint8_t>(ttl)};
  data.insert(data.end(), context.begin(), context.end());
  return command("PING", data);
}

Bytes error_command(const std::string& reason) {
  Bytes data{static_cast<uint8_t>(reason.size())};
  data.insert(data.end(), reason.begin(), reason.end());
  return command("ERROR", data);
}

Bytes router_handshake() { return concat({peer_greeting(), ready()}); }

bool OutputDecoder::feed(const Bytes& bytes) {
  if (failed_) return false;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  while (!pending_.empty()) {
    if (!parse()) break;
  }
  return !failed_;
}

bool OutputDecoder::parse() {
  if (pending_[0] == 0xFF) {
    if (pending_.size() < 64) return false;
    Bytes expected(64, 0);
    expected[0] = 0xFF;
    expected[9] = 0x7F;
    expected[10] = 3;
    std::memcpy(&expected[12], "NULL", 4);
    if (!std::equal(expected.begin(), expected.end(), pending_.begin())) {
      failed_ = true;
      return false;
    }
    events_.push_back({Event::Kind::kGreeting, 0, "", {}});
    pending_.erase(pending_.begin(), pending_.begin() + 64);
    return true;
  }
  const uint8_t flags = pending_[0];
  if ((flags & 0xF8) != 0) {
    failed_ = true;
    return false;
  }
  const size_t header = (flags & 0x02) ? 9 : 2;
  if (pending_.size() < header) return false;
  uint64_t size = 0;
  for (size_t i = 1; i < header; ++i) size = (size << 8) | pending_[i];
  if (pending_.size() < header + size) return false;
  Bytes body(pending_.begin() + header, pending_.begin() + header + size);
  pending_.erase(pending_.begin(), pending_.begin() + header + size);
  if (flags & 0x04) {
    if (body.empty() || body[0] + 1u > body.size()) {
      failed_ = true;
      return false;
    }
    Event e{Event::Kind::kCommand, flags, std::string(body.begin() + 1, body.begin() + 1 + body[0]),
            Bytes(body.begin() + 1 + body[0], body.end())};
    events_.push_back(e);
  } else {
    events_.push_back({Event::Kind::kMessage, flags, "", body});
  }
  return true;
}

size_t OutputDecoder::count(Event::Kind kind) const { return of(kind).size(); }

std::vector<Event> OutputDecoder::of(Event::Kind kind) const {
  std::vector<Event> out;
  for (const Event& e : events_) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

bool parse_properties(const Bytes& data, Properties* out) {
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t name_length = data[pos++];
    if (pos + name_length + 4 > data.size()) return false;
    std::string name(data.begin() + pos, data.begin() + pos + name_length);
    pos += name_length;
    const uint32_t value_length = (uint32_t{data[pos]} << 24) | (uint32_t{data[pos + 1]} << 16) |
                                  (uint32_t{data[pos + 2]} << 8) | data[pos + 3];
    pos += 4;
    if (pos + value_length > data.size()) return false;
    out->emplace_back(name, Bytes(data.begin() + pos, data.begin() + pos + value_length));
    pos += value_length;
  }
  return true;
}

}  // namespace fedgate::zmtp::testing
