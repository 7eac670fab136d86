// EventQueue: the discrete-event core. Events are ordered by virtual time, and
// events at the same time by the order they were scheduled (a sequence
// number), so a run is a pure function of its seed. Payloads (message bytes)
// live in a pool of reusable buffers; an event holds an index into it.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "core/base/span.h"

namespace fedgate {
namespace sim {

struct Event {
  int64_t time_us = 0;
  uint64_t seq = 0;
  uint32_t client = 0;
  bool to_coordinator = false;  // else: to the client
  uint32_t payload = 0;         // index into the queue's buffer pool
};

class EventQueue {
 public:
  // Copies `bytes` into a pooled buffer and schedules their delivery.
  void push(int64_t time_us, uint32_t client, bool to_coordinator, Span<const uint8_t> bytes) {
    const uint32_t slot = acquire();
    buffers_[slot].assign(bytes.begin(), bytes.end());
    reschedule(Event{time_us, 0, client, to_coordinator, slot});
  }
  // Puts a popped event back at a new time (keeps its payload).
  void reschedule(Event event) {
    event.seq = next_seq_++;
    heap_.push(event);
  }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  Event pop() {
    Event event = heap_.top();
    heap_.pop();
    return event;
  }
  Span<const uint8_t> payload(const Event& event) const {
    const std::vector<uint8_t>& buffer = buffers_[event.payload];
    return Span<const uint8_t>(buffer.data(), buffer.size());
  }
  // The event is done with its payload: the buffer goes back to the pool.
  void release(const Event& event) { free_.push_back(event.payload); }
  uint64_t scheduled() const { return next_seq_; }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.seq > b.seq;
    }
  };
  uint32_t acquire() {
    if (!free_.empty()) {
      const uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    buffers_.emplace_back();
    return static_cast<uint32_t>(buffers_.size() - 1);
  }

  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<uint32_t> free_;
  uint64_t next_seq_ = 0;
};

}  // namespace sim
}  // namespace fedgate
