// ConnectionTracker: which TCP connection speaks for each client id, so a second
// connection under an id that is still in use is refused rather than locking the
// first one out (docs/security.md, "Duplicate names").
//
// libzmq's ROUTER hands a routing id over to the newest connection and leaves the
// old one open but deaf, so the server decides itself: a message for id X on a
// connection other than X's owner is a duplicate while the owner's connection is
// still open (the socket monitor has not reported it closed) and was heard within
// `live_window_us`; otherwise the new connection takes the id over (a client that
// restarted, reconnected, or whose board lost power without closing the socket).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace fedgate {

enum class ConnectionVerdict : uint8_t {
  kOwner,     // the connection that owns the id (or the first one seen)
  kTakeover,  // a new connection replaces one that went silent
  kDuplicate  // the owner is still open and talking: refuse this one
};

class ConnectionTracker {
 public:
  explicit ConnectionTracker(int64_t live_window_us) : live_window_us_(live_window_us) {}

  // From the socket monitor. A closed connection's ids are forgotten: the next
  // connection under such an id owns it afresh.
  void on_opened(int fd) { open_.insert(fd); }
  void on_closed(int fd);

  // A message for `id` arrived on connection `fd` at `now_us`.
  ConnectionVerdict on_message(const std::string& id, int fd, int64_t now_us);

  // The connection that owns `id` (-1 when none), for log lines.
  int owner(const std::string& id) const;
  // Milliseconds since the owner of `id` was heard.
  int64_t owner_silent_ms(const std::string& id, int64_t now_us) const;
  uint64_t duplicates() const { return duplicates_; }
  // Ids with an owner: at most one per open connection.
  size_t ids() const { return owners_.size(); }

 private:
  struct Owner {
    int fd = -1;
    int64_t heard_us = 0;
  };
  int64_t live_window_us_;
  std::map<std::string, Owner> owners_;
  std::set<int> open_;
  uint64_t duplicates_ = 0;
};

}  // namespace fedgate
