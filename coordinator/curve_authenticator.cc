#include "coordinator/curve_authenticator.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "curve/curve_key_file.h"

namespace fedgate {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr size_t kCurveKeyBytes = 32;

}  // namespace

CurveAuthenticator::CurveAuthenticator(zmq::context_t& context,
                                       const std::vector<std::string>& allowed_keys)
    : socket_(context, zmq::socket_type::rep), allowed_(allowed_keys.begin(), allowed_keys.end()) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind(kZapEndpoint);
}

const char* CurveAuthenticator::decide(const std::string& mechanism, const std::string& credential,
                                       const std::string& address, std::string* user_id) {
  if (mechanism == "CURVE" && credential.size() == kCurveKeyBytes) {
    char z85[kZ85KeyLength + 1];
    zmq_z85_encode(z85, reinterpret_cast<const uint8_t*>(credential.data()), kCurveKeyBytes);
    if (allowed_.count(z85) != 0) {
      ++counts_.allowed;
      *user_id = z85;
      return "200";
    }
    ++counts_.refused;
    spdlog::warn(
        "refused a CURVE client from {}: public key {} is not in "
        "server.curve_authorized_keys",
        address, z85);
    return "400";
  }
  ++counts_.refused;
  spdlog::warn("refused a {} client from {}: this server accepts only CURVE clients", mechanism,
               address);
  return "400";
}

void CurveAuthenticator::serve_pending() {
  for (;;) {
    std::vector<zmq::message_t> request;
    for (bool more = true; more;) {
      zmq::message_t frame;
      if (!socket_.recv(frame, zmq::recv_flags::dontwait)) {
        if (request.empty()) return;
        break;  // a torn request: answer what came
      }
      more = frame.more();
      request.push_back(std::move(frame));
    }
    // RFC 27: version, request id, domain, address, routing id, mechanism, credentials...
    if (request.size() < 6) {
      // A reply is still owed, or the REP socket stays stuck.
      socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer("500"), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer("malformed ZAP request"), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer(""));
      continue;
    }
    const std::string credential = request.size() > 6 ? request[6].to_string() : std::string();
    std::string user_id;
    const char* status =
        decide(request[5].to_string(), credential, request[3].to_string(), &user_id);
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(request[1], zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(status)), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(std::string(status[0] == '2' ? "OK" : "not authorized")),
                 zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""));
  }
}

}  // namespace fedgate
