// Command-line conventions every fedgate host program shares: --version prints
// "<program> <version>", and a bad option exits with status 2 (CLI11's own
// codes, 103/105/109, are not what the docs promise). A program adopts them by
// linking fedgate_cli and replacing CLI11_PARSE with
//   add_version_flag(app, "fedgate-client");
//   if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/version.h"

namespace fedgate {

constexpr int kExitBadCommandLine = 2;

inline void add_version_flag(CLI::App& app, const std::string& program) {
  app.set_version_flag("--version", program + " " + kVersionText, "print the version and exit");
}

// Parses the command line. Returns -1 to go on, else the status to exit with:
// 0 after --help or --version, kExitBadCommandLine after a bad option (with
// CLI11's message on stderr).
inline int parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == static_cast<int>(CLI::ExitCodes::Success) ? 0 : kExitBadCommandLine;
  }
  return -1;
}

}  // namespace fedgate
