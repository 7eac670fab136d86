// ClientDriver: runs a ClientSession over a ClientTransport. It owns what every client board
// needs around the protocol: registering when the link comes up, the receive -> session loop,
// silence detection with backoff, re-registration, re-handshaking the link when re-registering
// is not enough, and giving up. Time comes from an injected DriverClock.
//
//   silence wait = min(max_wait_ms, silence_timeout * min(2^silences_in_a_row, max_backoff))
//   a message resets the backoff; silence number `rehandshake_after` and later re-open the
//   transport (ZMTP: a fresh greeting, which registers once it is up; libzmq: a new socket,
//   registering at once) instead of re-registering on the open link.
//
// Like the session: no heap, no exceptions, every object caller-owned.
#pragma once

#include <csignal>
#include <cstdint>

#include "core/base/status.h"
#include "core/protocol/client_session.h"
#include "core/protocol/client_transport.h"
#include "core/protocol/driver_clock.h"

namespace fedgate {

struct DriverOptions {
  uint32_t max_backoff = 32;     // the silence wait grows to this many silence timeouts
  uint32_t max_wait_ms = 30000;  // ... and never beyond this
  // A message the link refused (no connection yet) is retried this often, quietly, for one
  // silence timeout (from the start, the last message or a re-opened link) before backoff
  // applies. 0: never (the link announces when it is up).
  uint32_t retry_unsent_ms = 0;
  // From this many silences in a row on, re-open the transport instead of re-registering
  // (0: never; the transport reconnects by itself).
  uint32_t rehandshake_after = 0;
  uint32_t give_up_after_ms = 0;  // silent this long: stop with kGaveUp (0: never)
};

// For a link a library keeps connected (libzmq): back off 1x, 2x, 4x ... up to 30 s; a message
// refused while the connection is still coming up is retried every 100 ms; from the third
// silence in a row on, the link is re-opened (a new connection) before registering again.
DriverOptions reconnecting_link_options();
// For a link with a handshake of its own (ZMTP over a UART): back off up to 8x; from the second
// silence in a row on, start the handshake over.
DriverOptions handshaking_link_options();

struct DriverCounters {
  uint32_t connections = 0;   // on_connected() from the transport
  uint32_t silences = 0;      // silence timeouts acted on (re-registration or re-handshake)
  uint32_t rehandshakes = 0;  // ... of which re-opened the transport
};

// What the silence the driver just acted on looked like, for the owner's log.
struct SilenceEvent {
  uint32_t attempt = 0;       // silences in a row, this one included
  uint32_t silent_ms = 0;     // since the last message
  uint32_t next_backoff = 1;  // the factor the next silence wait uses
  bool unsent = false;        // the last message never left (no connection)
  bool rehandshake = false;   // the transport is re-opened rather than re-registering
};

// Hooks for the owner's log lines and measurements; every one is optional.
class DriverObserver {
 public:
  // A message arrived, before the session handles it; silences_before > 0 means the peer
  // answers again after that many silences.
  virtual void on_message_arrived(uint32_t /*silences_before*/) {}
  virtual void on_connected(uint32_t /*connections*/) {}
  virtual void on_disconnected() {}
  virtual void on_silence(const SilenceEvent& /*event*/) {}

 protected:
  ~DriverObserver() = default;
};

enum class DriverOutcome : uint8_t {
  kRunning,
  kFinished,  // the coordinator said Bye
  kRefused,   // the session failed (the coordinator's setup cannot run here)
  kGaveUp,    // silent for give_up_after_ms
  kError,     // a local failure (sending, computing): error()
  kStopped,   // the owner's stop flag
};

class ClientDriver final : private TransportEvents {
 public:
  ClientDriver(ClientSession& session, ClientTransport& transport, DriverClock& clock,
               const DriverOptions& options, DriverObserver* observer = nullptr);
  ClientDriver(const ClientDriver&) = delete;
  ClientDriver& operator=(const ClientDriver&) = delete;

  // Opens the transport; registers at once unless the transport announces its connection.
  Status start();
  // One round: polls the transport for at most max_wait_ms (less when a silence is due), hands
  // what arrived to the session, acts on a silence that is due. Returns the first local failure.
  Status step(uint32_t max_wait_ms);
  // Steps until the session ends, the driver gives up, a step fails or *stop becomes nonzero.
  DriverOutcome run(const volatile std::sig_atomic_t* stop = nullptr);

  DriverOutcome outcome() const;
  const Status& error() const { return error_; }
  const DriverCounters& counters() const { return counters_; }
  // Milliseconds since the last message (or since start()).
  uint32_t silent_ms();

 private:
  void on_message(Span<const uint8_t> bytes) override;
  void on_connected() override;
  void on_disconnected() override;

  uint32_t backoff() const;
  uint32_t silence_wait_ms() const;
  // The link refused the last message and the peer has not been silent for long: retry soon.
  bool retrying_unsent(uint32_t now_ms) const;
  void act_on_silence(uint32_t now_ms, bool quiet);
  void note(const Status& status);

  ClientSession& session_;
  ClientTransport& transport_;
  DriverClock& clock_;
  DriverOptions options_;
  DriverObserver* observer_;

  DriverCounters counters_;
  Status error_;                  // what ended run()
  Status step_status_;            // the first failure of the current step
  uint32_t last_heard_ms_ = 0;    // the last message (or start)
  uint32_t silence_from_ms_ = 0;  // the silence wait runs from here (message, action, link up)
  uint32_t retry_from_ms_ = 0;    // unsent messages are retried quickly for a while from here
  uint32_t silences_in_a_row_ = 0;
  bool connected_ = false;
  bool heard_this_step_ = false;
  bool gave_up_ = false;
};

}  // namespace fedgate
