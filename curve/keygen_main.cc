// fedgate-keygen: makes a CURVE key pair for a coordinator or a client
// (docs/security.md).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/command_line.h"
#include "curve/curve_key_file.h"

int main(int argc, char** argv) {
  using namespace fedgate;
  CLI::App app{
      "fedgate-keygen: writes a new CURVE key pair for ZeroMQ's encrypted, authenticated\n"
      "transport: OUT.key (public and secret key, mode 0600: keep it on this host) and\n"
      "OUT.pub (the public key: give a client's to the coordinator's allow-list\n"
      "(server.curve_authorized_keys), the coordinator's to every client\n"
      "(--curve-server-key)). Existing files are never overwritten. See docs/security.md."};
  std::string base;
  app.add_option("OUT", base, "path and name of the key files, without extension")->required();
  add_version_flag(app, "fedgate-keygen");
  if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;

  Result<CurveKeyPair> pair = generate_curve_key_pair();
  if (!pair.is_ok()) {
    std::fprintf(stderr, "fedgate-keygen: %s\n", pair.status().message());
    return 1;
  }
  const Status written = write_curve_key_files(base, *pair);
  if (!written.is_ok()) {
    std::fprintf(stderr, "fedgate-keygen: %s\n", written.message());
    return 1;
  }
  std::printf("%s.key: key pair (secret)\n%s.pub: public key %s\n", base.c_str(), base.c_str(),
              pair->public_key.c_str());
  return 0;
}
