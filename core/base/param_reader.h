// ParamReader: reads the numeric settings of one client-side policy from the
// (name, value) list a Config message carries, with range checks whose errors
// name the setting as the configuration file spells it ("[compression.topk]
// fraction") and the allowed range. Settings nobody asked for are reported, so
// a typo fails instead of being ignored. No heap: it only views the list.
#pragma once

#include <cstdint>

#include "core/base/span.h"
#include "core/base/status.h"

// Doc strings of policy settings and summaries serve only the gateway
// (--list-policies, --print-config, the docs); microcontroller builds define
// FEDGATE_NO_POLICY_DOCS so they cost no flash there.
#ifdef FEDGATE_NO_POLICY_DOCS
#define FEDGATE_POLICY_DOC(text) ""
#else
#define FEDGATE_POLICY_DOC(text) text
#endif

namespace fedgate {

// One setting of a policy, as its parameter table declares it: the table
// drives parsing, range checks, --list-policies, --print-config and the docs.
// Plain constexpr data, so microcontroller builds carry it in flash.
enum class ParamKind : uint8_t {
  kNumber,  // a real number in [min, max]
  kAbove,   // a real number in (min, max]
  kCount,   // a whole number in [min, max]
};

struct ParamSpec {
  const char* key;
  ParamKind kind;
  double fallback;  // the default
  double min;
  double max;
  const char* doc;  // one line: what it means, and what 0 or a special value does

  // The same setting with a bound that depends on another setting.
  constexpr ParamSpec with_max(double new_max) const {
    return {key, kind, fallback, min, new_max, doc};
  }
};

// True when `value` passes `spec`'s range (and is whole for kCount).
bool param_in_range(const ParamSpec& spec, double value);

// The whole table as a Span (empty tables: use Span<const ParamSpec>()).
template <size_t N>
constexpr Span<const ParamSpec> param_table(const ParamSpec (&table)[N]) {
  return Span<const ParamSpec>(table, N);
}

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
  // The setting `spec` declares, read and checked by its kind.
  Status read(const ParamSpec& spec, double* out);
  Status read(const ParamSpec& spec, uint32_t* out);
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
