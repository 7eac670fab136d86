// CurveAuthenticator: the coordinator's ZAP handler (ZeroMQ RFC 27). libzmq asks it,
// over inproc://zeromq.zap.01 on the server's context, whether each CURVE client
// that finished its handshake may connect; it allows the public keys of the
// allow-list (server.curve_authorized_keys, docs/security.md) and refuses every
// other key and mechanism, logging and counting each refusal. An allowed client's
// user id is its Z85 public key: ZmqServer reads it back from every message
// ("User-Id") and uses it as the client's identity.
//
// It serves requests when the server's loop polls it (socket()), so the
// coordinator stays single-threaded.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace fedgate {

struct CurveAuthCounts {
  uint64_t allowed = 0;  // handshakes of allow-listed keys
  uint64_t refused = 0;  // unknown keys and other mechanisms
};

class CurveAuthenticator {
 public:
  // Binds the context's ZAP endpoint; throws zmq::error_t when another handler has it.
  CurveAuthenticator(zmq::context_t& context, const std::vector<std::string>& allowed_keys);

  // For the owner's poll: readable when libzmq waits for an answer.
  zmq::socket_t& socket() { return socket_; }
  // Answers every waiting request.
  void serve_pending();

  const CurveAuthCounts& counts() const { return counts_; }

 private:
  // The ZAP reply's status code for one request: "200" or "400".
  const char* decide(const std::string& mechanism, const std::string& credential,
                     const std::string& address, std::string* user_id);

  zmq::socket_t socket_;
  std::set<std::string> allowed_;  // Z85 public keys
  CurveAuthCounts counts_;
};

}  // namespace fedgate
