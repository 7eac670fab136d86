// Every policy family, server and client side, read from the policies' own
// parameter tables: what --list-policies prints, the policy tables of
// docs/configuration.md, and the lookup the configuration uses to refuse a
// sub-table that names no policy and to print every setting with its default.
#pragma once

#include <string>
#include <vector>

#include "coordinator/policy_registry.h"

namespace fedgate {

struct PolicyFamily {
  const char* family;  // the config section: acceptance, stepsize, ...
  const char* note;    // where it runs, "" for the coordinator
  std::vector<PolicyInfo> infos;
};

// The six families, server side first, in list order.
const std::vector<PolicyFamily>& policy_families();

// The policy `name` of `family`, or an error naming it and the known ones.
Result<const PolicyInfo*> find_policy(const std::string& family, const std::string& name);

// kNotFound with "<what> (known: <family's policies>)", or, when that does not
// fit in a Status, "<what> (fedgate-coordinator --list-policies)".
Status unknown_policy_error(const std::string& what, const std::string& family);

// "[a, b]", "(a, b]" or "a..b" (whole numbers), as errors and docs show a range.
std::string range_text(const ParamSpec& spec);

// The text of fedgate-coordinator --list-policies.
std::string policy_list_text();

// The policy tables of docs/configuration.md (a test checks they agree).
std::string policy_tables_markdown();

}  // namespace fedgate
