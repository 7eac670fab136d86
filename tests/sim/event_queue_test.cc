#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <string>

namespace fedgate::sim {
namespace {

Span<const uint8_t> bytes_of(const std::string& text) {
  return Span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::string text_of(Span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(EventQueue, PopsByTimeThenByScheduleOrder) {
  EventQueue queue;
  queue.push(50, 1, true, bytes_of("b"));
  queue.push(10, 2, false, bytes_of("a"));
  queue.push(50, 3, true, bytes_of("c"));  // same time as "b", scheduled later
  queue.push(30, 4, false, bytes_of("x"));
  std::string order;
  while (!queue.empty()) {
    const Event event = queue.pop();
    order += text_of(queue.payload(event));
    queue.release(event);
  }
  EXPECT_EQ(order, "axbc");
}

TEST(EventQueue, RescheduledEventKeepsItsPayloadAndGoesAfterEqualTimes) {
  EventQueue queue;
  queue.push(5, 0, false, bytes_of("first"));
  queue.push(20, 0, false, bytes_of("second"));
  Event first = queue.pop();
  first.time_us = 20;  // e.g. the client is busy until 20
  queue.reschedule(first);
  Event next = queue.pop();
  EXPECT_EQ(text_of(queue.payload(next)), "second");
  queue.release(next);
  next = queue.pop();
  EXPECT_EQ(next.time_us, 20);
  EXPECT_EQ(text_of(queue.payload(next)), "first");
}

TEST(EventQueue, ReusesReleasedBuffers) {
  EventQueue queue;
  queue.push(1, 0, true, bytes_of("one"));
  Event event = queue.pop();
  const uint32_t slot = event.payload;
  queue.release(event);
  queue.push(2, 0, true, bytes_of("two!"));
  event = queue.pop();
  EXPECT_EQ(event.payload, slot);
  EXPECT_EQ(text_of(queue.payload(event)), "two!");
}

}  // namespace
}  // namespace fedgate::sim
