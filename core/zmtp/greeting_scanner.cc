#include "core/zmtp/greeting_scanner.h"

namespace fedgate::zmtp {

namespace {
// Greeting offsets (RFC 23).
constexpr uint8_t kAnchorEnd = 16;     // after "03 <minor> N U L L" at offsets 10-15
constexpr uint8_t kMechanismEnd = 32;  // zero padding of the mechanism name up to here
constexpr uint8_t kAsServerOffset = 32;
}  // namespace

void GreetingScanner::reset() { *this = GreetingScanner(); }

uint8_t GreetingScanner::back(size_t distance) const {
  return history_[(history_start_ + history_size_ - distance) % sizeof(history_)];
}

void GreetingScanner::push(uint8_t byte) {
  if (history_size_ < sizeof(history_)) {
    history_[(history_start_ + history_size_) % sizeof(history_)] = byte;
    ++history_size_;
  } else {
    history_[history_start_] = byte;
    history_start_ = static_cast<uint8_t>((history_start_ + 1) % sizeof(history_));
  }
}

GreetingScanner::Event GreetingScanner::feed(uint8_t byte) {
  if (tail_position_ == 0) return scan(byte);

  const uint8_t position = tail_position_;
  if (position < kMechanismEnd && byte != 0) {
    // "NULL" followed by more name bytes is another mechanism (or no greeting at all). Everything
    // since the anchor was garbage; look again from this byte.
    garbage_ += position;
    tail_position_ = 0;
    history_size_ = 0;
    history_start_ = 0;
    scanned_ = 0;
    scan(byte);
    return Event::kRejected;
  }
  if (position == kAsServerOffset) as_server_ = byte != 0;
  // Filler (33-63) is zero from every known peer; its content is not checked, so a peer that
  // fills it differently is still understood.
  if (++tail_position_ == kGreetingSize) {
    tail_position_ = 0;
    history_size_ = 0;
    history_start_ = 0;
    return Event::kGreeting;
  }
  return Event::kNone;
}

GreetingScanner::Event GreetingScanner::scan(uint8_t byte) {
  push(byte);
  ++scanned_;
  const size_t n = history_size_;
  if (n >= 6 && back(6) == 3 && back(4) == 'N' && back(3) == 'U' && back(2) == 'L' &&
      back(1) == 'L') {
    // Offsets 10-15 of a greeting. How much of the signature (offsets 0-9) came before it?
    size_t prefix = 0;  // bytes before the anchor that belong to the greeting
    if (n >= 7 && back(7) == 0x7F) {
      prefix = (n - 6 >= 10) ? 9 : n - 6;  // 7F and up to 8 padding bytes (any value)
      if (n >= 16 && back(16) == 0xFF) prefix = 10;
    }
    full_signature_ = prefix == 10;
    minor_version_ = back(5);
    as_server_ = false;
    garbage_ += scanned_ - 6 - prefix;
    scanned_ = 0;
    tail_position_ = kAnchorEnd;
    return Event::kAnchor;
  }
  if (n >= 10 && back(10) == 0xFF && back(1) == 0x7F) return Event::kSignature;
  return Event::kNone;
}

}  // namespace fedgate::zmtp
