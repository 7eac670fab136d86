// The default client name: unique per board, so a fleet installed from one
// package does not register every board under the same id (docs/security.md,
// "Duplicate names").
#pragma once

#include <cstdint>
#include <string>

namespace fedgate {

// "<hostname>-<first 8 hex digits of the machine id>-<index>", e.g.
// "raspberrypi-3f2a9c1b-0"; without a readable machine id, "<hostname>-<index>".
// The index keeps several clients on one host apart.
std::string default_client_name(const std::string& hostname, const std::string& machine_id,
                                uint32_t index);

// The same from this host: gethostname() and /etc/machine-id.
std::string default_client_name(uint32_t index);

}  // namespace fedgate
