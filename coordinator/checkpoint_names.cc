#include "coordinator/checkpoint_names.h"

namespace fedgate {

void save_names(StateWriter& out, const std::set<std::string>& names) {
  out.u32(static_cast<uint32_t>(names.size()));
  for (const std::string& name : names) out.str(name);
}

void restore_names(StateReader& in, std::set<std::string>* names) {
  names->clear();
  const uint32_t count = in.count(4);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) names->insert(in.str());
}

void save_name_counts(StateWriter& out, const std::map<std::string, uint32_t>& counts) {
  out.u32(static_cast<uint32_t>(counts.size()));
  for (const auto& [name, count] : counts) {
    out.str(name);
    out.u32(count);
  }
}

void restore_name_counts(StateReader& in, std::map<std::string, uint32_t>* counts) {
  counts->clear();
  const uint32_t count = in.count(8);
  for (uint32_t i = 0; i < count && !in.failed(); ++i) {
    const std::string name = in.str();
    (*counts)[name] = in.u32();
  }
}

}  // namespace fedgate
