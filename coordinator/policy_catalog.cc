#include "coordinator/policy_catalog.h"

#include <cstdio>
#include <map>

#include "coordinator/acceptance/starvation_guard.h"
#include "core/protocol/client_policies.h"

namespace fedgate {
namespace {

template <typename Entry>
std::vector<PolicyInfo> as_policy_infos(Span<const Entry* const> entries) {
  // The texts live as long as the program: callers print them as C strings.
  static std::map<const void*, std::string> texts;
  std::vector<PolicyInfo> out;
  for (const Entry* entry : entries) {
    auto text = texts.emplace(entry, params_text(entry->params)).first;
    out.push_back({entry->name, entry->summary, text->second.c_str(), entry->params});
  }
  return out;
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", value);
  return text;
}

// Markdown table cells cannot hold a bare '|' (norms are written ||g||).
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// One setting for the docs: "`key` (default, range): doc".
std::string setting_markdown(const ParamSpec& spec) {
  return "`" + std::string(spec.key) + "` (" + number_text(spec.fallback) + ", " +
         range_text(spec) + "): " + cell(spec.doc);
}

}  // namespace

const std::vector<PolicyFamily>& policy_families() {
  static const std::vector<PolicyFamily> families = {
      {"acceptance", "", acceptance_policy_infos()},
      {"stepsize", "", stepsize_policy_infos()},
      {"staleness", "", staleness_policy_infos()},
      {"aggregation", "", aggregation_policy_infos()},
      {"trigger", ", run by the clients", as_policy_infos(trigger_policies())},
      {"compression", ", clients encode and the coordinator decodes",
       as_policy_infos(compression_policies())},
  };
  return families;
}

Result<const PolicyInfo*> find_policy(const std::string& family, const std::string& name) {
  for (const PolicyFamily& f : policy_families()) {
    if (family != f.family) continue;
    for (const PolicyInfo& info : f.infos) {
      if (name == info.name) return &info;
    }
  }
  return unknown_policy_error("unknown " + family + " policy '" + name + "'", family);
}

Status unknown_policy_error(const std::string& what, const std::string& family) {
  std::string known;
  for (const PolicyFamily& f : policy_families()) {
    if (family != f.family) continue;
    for (const PolicyInfo& info : f.infos) {
      known += (known.empty() ? "" : ", ") + std::string(info.name);
    }
  }
  const std::string message = what + " (known: " + known + ")";
  if (message.size() < Status::kMessageCapacity) {
    return Status::error(StatusCode::kNotFound, "%s", message.c_str());
  }
  return Status::error(StatusCode::kNotFound, "%s (fedgate-coordinator --list-policies)",
                       what.c_str());
}

std::string range_text(const ParamSpec& spec) {
  if (spec.kind == ParamKind::kCount) return number_text(spec.min) + ".." + number_text(spec.max);
  return (spec.kind == ParamKind::kAbove ? "(" : "[") + number_text(spec.min) + ", " +
         number_text(spec.max) + "]";
}

std::string policy_list_text() {
  std::string text;
  for (const PolicyFamily& family : policy_families()) {
    text += std::string(family.family) + " policies" + family.note + " ([" + family.family +
            "] policy = ...; settings in [" + family.family + ".<name>]):\n";
    for (const PolicyInfo& info : family.infos) {
      char line[512];
      std::snprintf(line, sizeof(line), "  %-24s %s\n", info.name, info.summary);
      text += line;
      if (info.table.empty()) text += "  " + std::string(25, ' ') + "settings: (none)\n";
      for (const ParamSpec& spec : info.table) {
        std::snprintf(line, sizeof(line), "  %-24s %s = %s, %s: %s\n", "", spec.key,
                      number_text(spec.fallback).c_str(), range_text(spec).c_str(), spec.doc);
        text += line;
      }
    }
    if (std::string(family.family) == "acceptance") {
      for (const ParamSpec& spec : kStarvationGuardParams) {
        text += "  (any of them: [acceptance] " + std::string(spec.key) + " = " +
                number_text(spec.fallback) + ", " + range_text(spec) + ": " + spec.doc + ")\n";
      }
    }
  }
  return text;
}

std::string policy_tables_markdown() {
  std::string text;
  for (const PolicyFamily& family : policy_families()) {
    text += std::string("\n#### ") + family.family +
            "\n\n| policy | settings (default, range) | rule |\n| --- | --- | --- |\n";
    for (const PolicyInfo& info : family.infos) {
      std::string settings;
      for (const ParamSpec& spec : info.table) {
        settings += (settings.empty() ? "" : "; ") + setting_markdown(spec);
      }
      text += "| `" + std::string(info.name) + "` | " + (settings.empty() ? "none" : settings) +
              " | " + cell(info.summary) + " |\n";
    }
    if (std::string(family.family) == "acceptance") {
      for (const ParamSpec& spec : kStarvationGuardParams) {
        text += "\nAny acceptance policy, `[acceptance] " + std::string(spec.key) + "` (" +
                number_text(spec.fallback) + ", " + range_text(spec) + "): " + cell(spec.doc) +
                ".\n";
      }
    }
  }
  return text;
}

}  // namespace fedgate
