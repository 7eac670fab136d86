// Command-line conventions every fedgate host program shares: --version prints
// "<program> <version>", and a bad option exits with status 2 (CLI11's own
// codes, 103/105/109, are not what the docs promise). A program adopts them by
// linking fedgate_cli and replacing CLI11_PARSE with
//   add_version_flag(app, "fedgate-client");
//   if (const int status = parse_command_line(app, argc, argv); status >= 0) return status;
#pragma once

#include <cstdio>
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
// A key that a config file (CLI11's set_config) has but no option takes is
// reported with the file's name, so a misspelt key in /etc/fedgate/*.toml is
// found at once (the app must allow_config_extras(config_extras_mode::error)).
inline int parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const std::string extras_prefix = "INI was not able to parse ";
    const std::string what = error.what();
    const CLI::Option* config = app.get_config_ptr();
    if (dynamic_cast<const CLI::ConfigError*>(&error) != nullptr &&
        what.compare(0, extras_prefix.size(), extras_prefix) == 0 && config != nullptr &&
        !config->results().empty()) {
      const std::string& path = app.get_name();  // argv[0] unless the app was named
      const std::string program = path.substr(path.find_last_of('/') + 1);
      std::fprintf(stderr, "%s: %s: unknown key '%s' (see --help for the options)\n",
                   program.c_str(), config->results().front().c_str(),
                   what.substr(extras_prefix.size()).c_str());
      return kExitBadCommandLine;
    }
    const int status = app.exit(error);
    return status == static_cast<int>(CLI::ExitCodes::Success) ? 0 : kExitBadCommandLine;
  }
  return -1;
}

}  // namespace fedgate
