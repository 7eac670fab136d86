// GreetingScanner: finds the peer's ZMTP 3.x greeting in a byte stream, even without its start.
//
// A greeting is 64 bytes: signature FF, 8 padding bytes (libzmq puts a length there, not zeros),
// 7F; version major 03 and minor; mechanism "NULL" padded with zeros to 20 bytes; as-server;
// 31 filler bytes. A UART that is enabled late, or a bridge that connects first, loses the first
// bytes, so the scanner anchors on `03 <minor> "NULL"` (offsets 10-15) and takes whatever came
// before it as either the end of the signature or garbage. Fed one byte at a time; bounded state
// (a 16-byte history), no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fedgate::zmtp {

class GreetingScanner {
 public:
  static constexpr size_t kGreetingSize = 64;

  enum class Event : uint8_t {
    kNone,
    kSignature,  // a complete signature (FF .. 7F) just ended; the version byte comes next
    kAnchor,     // version 3 and mechanism "NULL" seen: the rest of a greeting follows
    kGreeting,   // a whole greeting was read (the last byte fed was its last byte)
    kRejected,   // the anchor was followed by bytes that cannot be a NULL greeting; scanning again
  };

  void reset();
  Event feed(uint8_t byte);

  // About the greeting just completed (valid after kGreeting until the next reset()).
  bool had_full_signature() const { return full_signature_; }
  uint8_t minor_version() const { return minor_version_; }
  bool as_server() const { return as_server_; }
  // Bytes found not to belong to a greeting since the last call (counted when an anchor shows
  // where the greeting starts, or when a false anchor is rejected).
  uint64_t take_garbage() {
    const uint64_t garbage = garbage_;
    garbage_ = 0;
    return garbage;
  }
  // Bytes scanned since the last anchor that no greeting has claimed yet.
  uint64_t unmatched_bytes() const { return scanned_; }

 private:
  uint8_t back(size_t distance) const;  // history byte `distance` positions back (1 = last)
  void push(uint8_t byte);
  Event scan(uint8_t byte);

  uint8_t history_[16] = {};
  uint8_t history_start_ = 0;  // ring index of the oldest byte
  uint8_t history_size_ = 0;
  uint8_t tail_position_ = 0;  // greeting offset of the next byte once anchored; 0 = scanning
  bool full_signature_ = false;
  uint8_t minor_version_ = 0;
  bool as_server_ = false;
  uint64_t scanned_ = 0;  // bytes fed while scanning since the last anchor or reset
  uint64_t garbage_ = 0;
};

}  // namespace fedgate::zmtp
