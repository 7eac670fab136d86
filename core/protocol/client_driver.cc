#include "core/protocol/client_driver.h"

namespace fedgate {

DriverOptions reconnecting_link_options() {
  DriverOptions options;
  options.max_backoff = 32;
  options.max_wait_ms = 30000;
  options.retry_unsent_ms = 100;
  // A connection libzmq keeps up can still be deaf (the coordinator's ROUTER handed its
  // routing id to another connection): from the third silence on, use a fresh socket.
  options.rehandshake_after = 3;
  return options;
}

DriverOptions handshaking_link_options() {
  DriverOptions options;
  options.max_backoff = 8;
  options.max_wait_ms = UINT32_MAX;
  options.rehandshake_after = 2;
  return options;
}

ClientDriver::ClientDriver(ClientSession& session, ClientTransport& transport, DriverClock& clock,
                           const DriverOptions& options, DriverObserver* observer)
    : session_(session),
      transport_(transport),
      clock_(clock),
      options_(options),
      observer_(observer) {}

void ClientDriver::note(const Status& status) {
  if (!status.is_ok() && step_status_.is_ok()) step_status_ = status;
}

Status ClientDriver::start() {
  step_status_ = Status::ok();
  last_heard_ms_ = silence_from_ms_ = retry_from_ms_ = clock_.now_ms();
  note(transport_.open(*this));
  // A transport without a handshake of its own is usable at once; the others call
  // on_connected(), which registers.
  if (!transport_.announces_connections() && step_status_.is_ok()) note(session_.start());
  if (!step_status_.is_ok()) error_ = step_status_;
  return step_status_;
}

uint32_t ClientDriver::backoff() const {
  const uint32_t doublings = silences_in_a_row_ < 31 ? silences_in_a_row_ : 31;
  const uint32_t factor = uint32_t{1} << doublings;
  return factor < options_.max_backoff ? factor : options_.max_backoff;
}

uint32_t ClientDriver::silence_wait_ms() const {
  const uint64_t wait = uint64_t{session_.silence_timeout_ms()} * backoff();
  return wait < options_.max_wait_ms ? static_cast<uint32_t>(wait) : options_.max_wait_ms;
}

bool ClientDriver::retrying_unsent(uint32_t now_ms) const {
  return options_.retry_unsent_ms > 0 && session_.last_send_failed() &&
         now_ms - retry_from_ms_ < session_.silence_timeout_ms();
}

Status ClientDriver::step(uint32_t max_wait_ms) {
  step_status_ = Status::ok();
  uint32_t now = clock_.now_ms();
  const bool quick = retrying_unsent(now);
  const uint32_t wait = quick ? options_.retry_unsent_ms : silence_wait_ms();
  const uint32_t elapsed = now - silence_from_ms_;
  uint32_t poll_ms = elapsed >= wait ? 0 : wait - elapsed;
  if (poll_ms > max_wait_ms) poll_ms = max_wait_ms;

  heard_this_step_ = false;
  transport_.poll(poll_ms, *this);
  // After the end the link is still served (the peer's pings), but nothing is timed.
  if (heard_this_step_ || session_.done() || gave_up_ || !step_status_.is_ok()) {
    return step_status_;
  }
  now = clock_.now_ms();
  if (options_.give_up_after_ms > 0 && now - last_heard_ms_ >= options_.give_up_after_ms) {
    gave_up_ = true;
    return step_status_;
  }
  // Until the link announces itself there is nobody to be silent.
  if (transport_.announces_connections() && !connected_) return step_status_;
  if (now - silence_from_ms_ < wait) return step_status_;
  act_on_silence(now, quick);
  return step_status_;
}

void ClientDriver::act_on_silence(uint32_t now_ms, bool quiet) {
  silence_from_ms_ = now_ms;
  if (!quiet) {
    ++silences_in_a_row_;
    ++counters_.silences;
    SilenceEvent event;
    event.attempt = silences_in_a_row_;
    event.silent_ms = now_ms - last_heard_ms_;
    event.next_backoff = backoff();
    event.unsent = session_.last_send_failed();
    event.rehandshake =
        options_.rehandshake_after > 0 && silences_in_a_row_ >= options_.rehandshake_after;
    if (observer_ != nullptr) observer_->on_silence(event);
    if (event.rehandshake) {
      ++counters_.rehandshakes;
      // A greeting that cannot be written is retried by the transport's own timer.
      (void)transport_.open(*this);
      // A link with a handshake registers in on_connected(); the others register now,
      // retrying quickly while the new connection comes up.
      if (transport_.announces_connections()) return;
      retry_from_ms_ = now_ms;
    }
  }
  note(session_.on_silence());
}

DriverOutcome ClientDriver::run(const volatile std::sig_atomic_t* stop) {
  while (outcome() == DriverOutcome::kRunning) {
    if (stop != nullptr && *stop != 0) return DriverOutcome::kStopped;
    const Status status = step(options_.max_wait_ms);
    if (!status.is_ok()) error_ = status;
  }
  return outcome();
}

DriverOutcome ClientDriver::outcome() const {
  if (session_.state() == ClientSession::State::kFailed) return DriverOutcome::kRefused;
  if (session_.state() == ClientSession::State::kFinished) return DriverOutcome::kFinished;
  if (gave_up_) return DriverOutcome::kGaveUp;
  if (!error_.is_ok()) return DriverOutcome::kError;
  return DriverOutcome::kRunning;
}

uint32_t ClientDriver::silent_ms() { return clock_.now_ms() - last_heard_ms_; }

void ClientDriver::on_message(Span<const uint8_t> bytes) {
  if (observer_ != nullptr) observer_->on_message_arrived(silences_in_a_row_);
  silences_in_a_row_ = 0;
  heard_this_step_ = true;
  last_heard_ms_ = silence_from_ms_ = retry_from_ms_ = clock_.now_ms();
  if (!session_.done()) note(session_.on_message(bytes));
}

void ClientDriver::on_connected() {
  ++counters_.connections;
  connected_ = true;
  silence_from_ms_ = clock_.now_ms();
  if (observer_ != nullptr) observer_->on_connected(counters_.connections);
  if (!session_.done()) note(session_.start());
}

void ClientDriver::on_disconnected() {
  connected_ = false;
  if (observer_ != nullptr) observer_->on_disconnected();
}

}  // namespace fedgate
