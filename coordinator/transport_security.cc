#include "coordinator/transport_security.h"

namespace fedgate {

Result<TransportSecurity> load_transport_security(const std::string& secret_key_file,
                                                  const std::string& authorized_keys,
                                                  uint32_t heartbeat_ms) {
  TransportSecurity security;
  // One silence timeout of a client (3 heartbeats, docs/protocol.md).
  security.duplicate_window_ms = 3 * int64_t{heartbeat_ms};
  if (secret_key_file.empty() && authorized_keys.empty()) return security;
  if (secret_key_file.empty() || authorized_keys.empty()) {
    return Status::error(
        StatusCode::kInvalidArgument, "server.%s is set but server.%s is not: CURVE needs both",
        secret_key_file.empty() ? "curve_authorized_keys" : "curve_secret_key_file",
        secret_key_file.empty() ? "curve_secret_key_file" : "curve_authorized_keys");
  }
  FG_ASSIGN_OR_RETURN(security.server_keys, read_curve_key_pair(secret_key_file));
  FG_ASSIGN_OR_RETURN(security.authorized_keys, read_curve_allow_list(authorized_keys));
  if (security.authorized_keys.empty()) {
    return Status::error(StatusCode::kInvalidArgument,
                         "server.curve_authorized_keys: %s holds no public key: no client could "
                         "connect (put each client's .pub there, docs/deploy-gateway.md)",
                         authorized_keys.c_str());
  }
  security.curve = true;
  return security;
}

}  // namespace fedgate
