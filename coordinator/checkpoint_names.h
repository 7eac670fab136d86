// Name sets and maps in checkpoints (docs/run-directory.md), shared by the
// aggregation policies' save_state / restore_state.
#pragma once

#include <map>
#include <set>
#include <string>

#include "coordinator/checkpoint_state.h"

namespace fedgate {

void save_names(StateWriter& out, const std::set<std::string>& names);
void restore_names(StateReader& in, std::set<std::string>* names);
void save_name_counts(StateWriter& out, const std::map<std::string, uint32_t>& counts);
void restore_name_counts(StateReader& in, std::map<std::string, uint32_t>* counts);

}  // namespace fedgate
