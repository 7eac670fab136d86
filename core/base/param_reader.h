// ParamReader: reads the numeric settings of one client-side policy from the
// (name, value) list a Config message carries, with range checks whose errors
// name the setting as the configuration file spells it ("[compression.topk]
// fraction") and the allowed range. Settings nobody asked for are reported, so
// a typo fails instead of being ignored. No heap: it only views the list.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"

namespace fedgate {

struct NamedParam {
  const char* name;  // "<family>.<key>", e.g. "trigger.max_skips"
  double value;
};

class ParamReader {
 public:
  // Reads the entries of `params` whose name starts with "<family>."; `policy`
  // only names the section in messages.
  ParamReader(Span<const NamedParam> params, const char* family, const char* policy);

  // The value of `key` (or `fallback`), checked to lie in [min, max].
  Status number(const char* key, double fallback, double min, double max, double* out);
  // Same, strictly above `min_exclusive` and at most `max`.
  Status number_above(const char* key, double fallback, double min_exclusive, double max,
                      double* out);
  // A whole number in [min, max].
  Status count(const char* key, uint32_t fallback, uint32_t min, uint32_t max, uint32_t* out);
  // Error naming the first setting of this family no call asked for.
  Status check_all_used() const;

  const char* family() const { return family_; }
  const char* policy() const { return policy_; }

 private:
  // Index into params_ of "<family>.<key>", or -1.
  int find(const char* key) const;

  static constexpr size_t kMaxParams = 64;
  Span<const NamedParam> params_;
  const char* family_;
  const char* policy_;
  bool used_[kMaxParams] = {};
};

}  // namespace fedgate
