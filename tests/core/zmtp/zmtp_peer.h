// Test-side ZMTP: encodes what a peer (a libzmq ROUTER) sends and decodes what the client wrote.
// Deliberately separate from core/zmtp so the tests do not check the client against itself.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace fedgate::zmtp::testing {

using Bytes = std::vector<uint8_t>;

Bytes to_bytes(const std::string& text);
Bytes concat(std::initializer_list<Bytes> parts);
// `size` bytes of a seeded pattern, to tell payloads apart.
Bytes pattern(size_t size, uint8_t seed);

// A peer greeting as libzmq 4.3 sends it: signature FF, padding 00*7 01, 7F; version 3.1; NULL.
Bytes peer_greeting(uint8_t minor = 1);
// frame(): flags byte as given (kFlagLong is set for long_form or bodies over 255 bytes).
Bytes frame(uint8_t flags, const Bytes& body, bool long_form = false);
Bytes message(const Bytes& payload, bool more = false, bool long_form = false);
Bytes command(const std::string& name, const Bytes& data);
using Properties = std::vector<std::pair<std::string, Bytes>>;
Bytes properties(const Properties& props);
// READY as a libzmq ROUTER sends it: Socket-Type = socket_type, Identity = "".
Bytes ready(const std::string& socket_type = "ROUTER");
Bytes ping(uint16_t ttl, const Bytes& context);
Bytes error_command(const std::string& reason);
// Greeting + READY: everything a ROUTER sends before its first message.
Bytes router_handshake();

// Decodes the client's output stream: greetings (checked byte for byte against RFC 23's NULL
// greeting with as-server 0) and frames.
struct Event {
  enum class Kind { kGreeting, kCommand, kMessage } kind;
  uint8_t flags = 0;
  std::string name;  // command name
  Bytes data;        // command data (after the name) or message payload
};

class OutputDecoder {
 public:
  // Returns false (and stops) at bytes that are neither a greeting nor a frame.
  bool feed(const Bytes& bytes);
  const std::vector<Event>& events() const { return events_; }
  size_t count(Event::Kind kind) const;
  // The events of one kind, in order.
  std::vector<Event> of(Event::Kind kind) const;
  bool mid_frame() const { return !pending_.empty(); }
  void clear_events() { events_.clear(); }

 private:
  bool parse();
  Bytes pending_;
  std::vector<Event> events_;
  bool failed_ = false;
};

// READY properties as a map-like list (parses exactly or returns false).
bool parse_properties(const Bytes& data, Properties* out);

}  // namespace fedgate::zmtp::testing
