#include "tests/coordinator/http/exposition_checker.h"

#include <cmath>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace fedgate::testing {
namespace {

const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
const std::regex kType(
    R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
const std::regex kSample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?[0-9]+)?)");
const std::regex kLabel(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)\"(,|$))");

bool parse_value(const std::string& text, double* value) {
  if (text == "NaN") return *value = NAN, true;
  if (text == "+Inf") return *value = INFINITY, true;
  if (text == "-Inf") return *value = -INFINITY, true;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && text != "inf" &&
         text.find_first_of("iInN") == std::string::npos;
}

std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

void check_histograms(Exposition& out) {
  for (const auto& [family, type] : out.types) {
    if (type != "histogram") continue;
    double previous_le = -INFINITY, previous_count = 0, inf_count = NAN;
    for (const Sample& sample : out.samples) {
      if (sample.name != family + "_bucket") continue;
      auto le = sample.labels.find("le");
      double bound = 0;
      if (le == sample.labels.end() || !parse_value(le->second, &bound)) {
        out.errors.push_back(family + ": a bucket without a numeric le");
        continue;
      }
      if (!(bound > previous_le)) out.errors.push_back(family + ": le not increasing");
      if (sample.value < previous_count) out.errors.push_back(family + ": buckets not cumulative");
      previous_le = bound;
      previous_count = sample.value;
      if (std::isinf(bound)) inf_count = sample.value;
    }
    if (std::isnan(inf_count)) out.errors.push_back(family + ": no le=\"+Inf\" bucket");
    if (inf_count != out.value(family + "_count")) {
      out.errors.push_back(family + ": +Inf bucket differs from _count");
    }
    if (std::isnan(out.value(family + "_sum"))) out.errors.push_back(family + ": no _sum");
  }
}

}  // namespace

double Exposition::value(const std::string& name,
                         const std::map<std::string, std::string>& labels) const {
  for (const Sample& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return NAN;
}

Exposition parse_exposition(const std::string& text) {
  Exposition out;
  if (!text.empty() && text.back() != '\n') out.errors.push_back("the text does not end in \\n");
  std::set<std::string> helped, closed, series;
  std::string current;  // the family whose lines come now
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    const std::string where = "line " + std::to_string(number) + " '" + line + "': ";
    std::smatch m;
    std::string family;
    if (std::regex_match(line, m, kHelp)) {
      family = m[1];
      if (!helped.insert(family).second) out.errors.push_back(where + "second HELP");
    } else if (std::regex_match(line, m, kType)) {
      family = m[1];
      if (!out.types.emplace(family, m[2]).second) out.errors.push_back(where + "second TYPE");
    } else if (std::regex_match(line, m, kSample)) {
      Sample sample;
      sample.name = m[1];
      std::string labels = m[3];
      std::smatch l;
      while (!labels.empty()) {
        if (!std::regex_search(labels, l, kLabel) || l.position(0) != 0) {
          out.errors.push_back(where + "bad labels");
          break;
        }
        if (!sample.labels.emplace(l[1], l[2]).second) {
          out.errors.push_back(where + "repeated label");
        }
        labels = l.suffix();
      }
      if (!parse_value(m[4], &sample.value)) out.errors.push_back(where + "bad value");
      family = family_of(sample.name, out.types);
      if (out.types.count(family) == 0) out.errors.push_back(where + "sample before its TYPE");
      std::string key = sample.name;
      for (const auto& [k, v] : sample.labels) key.append(",").append(k).append("=").append(v);
      if (!series.insert(key).second) out.errors.push_back(where + "duplicate series");
      out.samples.push_back(sample);
    } else {
      out.errors.push_back(where + "not a HELP, TYPE or sample line");
      continue;
    }
    if (family != current) {
      if (closed.count(family) != 0) out.errors.push_back(where + "family split in two");
      if (!current.empty()) closed.insert(current);
      current = family;
    }
  }
  check_histograms(out);
  return out;
}

}  // namespace fedgate::testing
