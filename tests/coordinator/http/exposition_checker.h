// A strict reader of Prometheus' text exposition format (version 0.0.4) for
// the /metrics tests: every line must be a HELP, TYPE or sample line of the
// grammar, families are declared once before their samples and kept together,
// series are unique, and histograms are well formed.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace fedgate::testing {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::vector<std::string> errors;           // empty when the text is valid
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram
  std::vector<Sample> samples;               // in order
  // The value of the sample `name` whose labels are `labels`; NaN when absent.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const;
};

Exposition parse_exposition(const std::string& text);

}  // namespace fedgate::testing
