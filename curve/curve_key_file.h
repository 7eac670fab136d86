// CURVE key files (docs/security.md, "Key files"): ZeroMQ's Z85 text form of
// curve25519 keys, one `name = "value"` line each, which is also valid TOML.
//
//   NAME.pub  public-key = "<40 Z85 characters>"          (hand it out freely)
//   NAME.key  public-key = "..." and secret-key = "..."   (mode 0600, stays on its host)
//
// Read by the coordinator (its key pair, the allow-list), the Linux client (its
// key pair, the server's public key) and written by fedgate-keygen.
#pragma once

#include <string>
#include <vector>

#include "core/base/status.h"

namespace fedgate {

constexpr size_t kZ85KeyLength = 40;  // 32 bytes in Z85

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// True for 40 characters of ZeroMQ's Z85 alphabet that decode to 32 bytes.
bool is_z85_key(const std::string& text);

// A fresh key pair from libzmq (zmq_curve_keypair).
Result<CurveKeyPair> generate_curve_key_pair();

// Writes BASE.key (mode 0600, created new: an existing file is not overwritten)
// and BASE.pub.
Status write_curve_key_files(const std::string& base, const CurveKeyPair& pair);

// The public key of a .pub or .key file.
Result<std::string> read_curve_public_key(const std::string& path);
// Both keys of a .key file; the public key must belong to the secret one.
Result<CurveKeyPair> read_curve_key_pair(const std::string& path);

// Public keys of the allow-list at `path`: a file of key lines (several
// `public-key = "..."` lines, or bare Z85 keys, # comments) or a directory whose
// *.pub files each hold one. Errors name the file and line at fault.
Result<std::vector<std::string>> read_curve_allow_list(const std::string& path);

}  // namespace fedgate
