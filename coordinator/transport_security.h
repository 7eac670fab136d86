// TransportSecurity: who may connect to the coordinator's socket (config keys
// server.curve_secret_key_file and server.curve_authorized_keys, docs/security.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/status.h"
#include "curve/curve_key_file.h"

namespace fedgate {

struct TransportSecurity {
  bool curve = false;                        // off: the NULL mechanism (loopback, tests)
  CurveKeyPair server_keys;                  // with curve: the coordinator's key pair
  std::vector<std::string> authorized_keys;  // with curve: client public keys (Z85)
  // A second connection under a client id is refused while the first was heard
  // this recently (docs/security.md, "Duplicate names"); one silence timeout.
  int64_t duplicate_window_ms = 3000;
};

struct TransportSecurityCounts {
  uint64_t curve_allowed = 0;      // CURVE handshakes of allow-listed keys
  uint64_t curve_refused = 0;      // keys not on the allow-list, other mechanisms
  uint64_t failed_handshakes = 0;  // e.g. a NULL client at a CURVE server, a wrong server key
  uint64_t duplicates = 0;         // messages refused from a second connection under one id
};

// From server.curve_secret_key_file and server.curve_authorized_keys: both empty
// is off (NULL mechanism); one without the other, an unreadable file or an empty
// allow-list is an error that names the key or file.
Result<TransportSecurity> load_transport_security(const std::string& secret_key_file,
                                                  const std::string& authorized_keys,
                                                  uint32_t heartbeat_ms);

}  // namespace fedgate
