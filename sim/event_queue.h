// EventQueue: the discrete-event core. Events are ordered by virtual time, and
// events at the same time by the order they were scheduled (a sequence
// number), so a run is a pure function of its seed. Payloads live in a pool of
// reusable slots; an event holds an index into it. A slot holds the message's
// bytes, or a reference to a SharedMessage and the seq of this copy.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "core/base/span.h"

namespace fedgate {
namespace sim {

struct SharedMessage;

struct QueuedMessage {
  std::vector<uint8_t> bytes;       // the message, unless it is shared
  SharedMessage* shared = nullptr;  // else this one, sent with `seq`
  uint32_t seq = 0;
};

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
    slots_[slot].bytes.assign(bytes.begin(), bytes.end());
    reschedule(Event{time_us, 0, client, to_coordinator, slot});
  }
  // As above, taking over `bytes`: it gets the pooled buffer's old storage back.
  void push(int64_t time_us, uint32_t client, bool to_coordinator, std::vector<uint8_t>* bytes) {
    const uint32_t slot = acquire();
    slots_[slot].bytes.swap(*bytes);
    reschedule(Event{time_us, 0, client, to_coordinator, slot});
  }
  // Schedules the delivery of `shared` as sent with `seq`; the event takes over
  // the caller's reference (handed back by release()).
  void push_shared(int64_t time_us, uint32_t client, bool to_coordinator, SharedMessage* shared,
                   uint32_t seq) {
    const uint32_t slot = acquire();
    slots_[slot].shared = shared;
    slots_[slot].seq = seq;
    reschedule(Event{time_us, 0, client, to_coordinator, slot});
  }
  // Puts a popped event back at a new time (keeps its payload).
  void reschedule(Event event) {
    event.seq = take_seq();
    heap_.push(event);
  }
  // The sequence number the next scheduled event gets, taken.
  uint64_t take_seq() { return next_seq_++; }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event event = heap_.top();
    heap_.pop();
    return event;
  }
  const QueuedMessage& message(const Event& event) const { return slots_[event.payload]; }
  // The bytes of an event that is not shared.
  Span<const uint8_t> payload(const Event& event) const {
    const std::vector<uint8_t>& buffer = slots_[event.payload].bytes;
    return Span<const uint8_t>(buffer.data(), buffer.size());
  }
  // The event is done with its payload: the slot goes back to the pool. Returns
  // the shared message it referenced (the caller drops that reference), or null.
  SharedMessage* release(const Event& event) {
    QueuedMessage& slot = slots_[event.payload];
    SharedMessage* shared = slot.shared;
    slot.shared = nullptr;
    // A slot keeps a small buffer for the next message; a dense Update's 4 * dim
    // bytes go back to the heap, or every slot would end up that large.
    if (slot.bytes.capacity() > kKeptBytes) std::vector<uint8_t>().swap(slot.bytes);
    free_.push_back(event.payload);
    return shared;
  }
  uint64_t scheduled() const { return next_seq_; }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.seq > b.seq;
    }
  };
  static constexpr size_t kKeptBytes = 4096;
  uint32_t acquire() {
    if (!free_.empty()) {
      const uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    slots_.emplace_back();
    return static_cast<uint32_t>(slots_.size() - 1);
  }

  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::vector<QueuedMessage> slots_;
  std::vector<uint32_t> free_;
  uint64_t next_seq_ = 0;
};

}  // namespace sim
}  // namespace fedgate
